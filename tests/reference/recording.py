"""Twins of the recorder's kernels (ODD: recording)."""

from __future__ import annotations

from vsim.vocabulary import ENTRENCHED, INVOLVED


def count_stocks_reference(model, at_step: int) -> dict[str, int]:
    """Plain-numpy recount of the stocks going into step ``at_step``."""
    p = model.people
    alive = p.alive == 1
    t = at_step
    return {
        "n_young_people": int(alive.sum()),
        "n_none": int((alive & (p.level == 0)).sum()),
        "n_at_risk": int((alive & (p.level == 1)).sum()),
        "n_involved": int((alive & (p.level == INVOLVED)).sum()),
        "n_entrenched": int((alive & (p.level == ENTRENCHED)).sum()),
        "n_exploited": int((alive & (p.exploited_by >= 0)).sum()),
        "in_custody": int((alive & (p.custody_until > t)).sum()),
        "known_to_police": int((alive & (p.known_until > t)).sum()),
        "weapon_carriers": int((alive & (p.weapon != 0)).sum()),
        "active_lines": int(model.lines.active.sum()),
    }
