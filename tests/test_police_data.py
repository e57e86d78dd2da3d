"""police.uk files in: the shipped West Yorkshire months, each layout a user gets, and bad files.

The expected counts are those of the data set's README (docs/data/policeuk_west_yorkshire),
computed there independently of this reader.
"""

from __future__ import annotations

import gzip
import json
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from test_cli import vsim_cmd

from vsim.loading import ScenarioError
from vsim.local_area import lsoa_table, lsoas_of
from vsim.police_data import read_police_uk

DATA = Path(__file__).resolve().parents[1] / "docs" / "data" / "policeuk_west_yorkshire"
RAW = DATA / "raw"
HEAD = DATA / "2017-07-west-yorkshire-street.head200.csv"
VIOLENCE = "Violence and sexual offences"


@pytest.fixture(scope="module")
def both_months():
    return read_police_uk([RAW], area_lsoas=lsoa_table()["lsoa11cd"])


def test_counts_match_the_data_sets_own_figures(both_months):
    """Violence by LSOA as in the README's table: totals, zeros, top-5% share."""
    counts, report = both_months
    assert report.months == ["2016-07", "2017-07"]
    assert report.records == 27_176 + 28_537
    assert report.no_location == 1_347 + 1_541
    assert report.outside_area == 71 + 9
    assert report.duplicate_ids == 0
    expected = {"2016-07": (5_493, 195, 0.225), "2017-07": (6_906, 148, 0.220)}
    n_lsoas = len(lsoa_table())
    for month, (total, zeros, top5) in expected.items():
        v = counts[(counts["month"] == month) & (counts["crime_type"] == VIOLENCE)]
        assert v["count"].sum() == total
        assert n_lsoas - len(v) == zeros
        top = v["count"].sort_values(ascending=False).head(round(0.05 * n_lsoas)).sum()
        assert top / total == pytest.approx(top5, abs=0.0015)
    other = counts[counts["crime_type"].isin(["Possession of weapons", "Robbery"])]
    assert other.groupby(["month", "crime_type"])["count"].sum().tolist() == [115, 155, 140, 201]
    assert list(counts.columns) == ["month", "lsoa_code", "crime_type", "count"]


def test_every_layout_gives_the_same_counts(tmp_path, both_months):
    """A folder of YYYY-MM/ subfolders of plain CSVs, the gzipped files, the zip archive."""
    area = lsoa_table()["lsoa11cd"]
    folder = tmp_path / "download"
    archive = tmp_path / "bulk.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for gz in sorted(RAW.glob("*.csv.gz")):
            month = gz.name[:7]
            (folder / month).mkdir(parents=True)
            text = gzip.decompress(gz.read_bytes())
            (folder / month / gz.name[:-3]).write_bytes(text)
            zf.writestr(f"{month}/{gz.name[:-3]}", text)
    for layout in ([folder], [archive], sorted(RAW.glob("*.csv.gz"))):
        counts, _ = read_police_uk(layout, area_lsoas=area)
        pd.testing.assert_frame_equal(counts, both_months[0])


def test_counts_file_round_trips(tmp_path, both_months):
    """Counts from elsewhere (month, lsoa_code, crime_type, count) read as themselves."""
    path = tmp_path / "counts.csv"
    both_months[0].to_csv(path, index=False)
    counts, report = read_police_uk([path])
    pd.testing.assert_frame_equal(counts, both_months[0])
    assert report.records == both_months[0]["count"].sum()


def test_repeats_and_gaps_are_reported(tmp_path):
    head = HEAD.read_bytes()
    copy = tmp_path / "2017-07-west-yorkshire-street.csv"
    copy.write_bytes(head)
    _, report = read_police_uk([HEAD, copy])
    assert report.repeated_files and report.records == 200  # the same bytes: read once
    rows = head.decode().splitlines()
    overlap = tmp_path / "2017-08-west-yorkshire-street.csv"
    overlap.write_text("\n".join([rows[0], rows[1], rows[2]]) + "\n")
    counts, report = read_police_uk([HEAD, overlap], months=("2017-06", "2017-08"))
    assert report.duplicate_ids == 2 and counts["count"].sum() <= 200
    assert report.missing_months == ["2017-06", "2017-08"]
    old = tmp_path / "2012-05-x-street.csv"
    old.write_text("\n".join([rows[0], rows[5].replace("2017-07", "2012-05").replace(
        rows[5].split(",")[9], "Public disorder and weapons")]) + "\n")
    _, report = read_police_uk([old])
    assert report.old_combined_category == 1
    assert any("Public disorder and weapons" in note for note in report.notes)


BAD = {
    "bom": (lambda h: b"\xef\xbb\xbf" + h, "byte-order mark"),
    "cp1252": (lambda h: h.replace(b"On or near", b"On or n\xe9ar", 1), "not UTF-8"),
    "empty": (lambda h: b"", "empty"),
    "header only": (lambda h: h.splitlines()[0] + b"\n", "no records"),
    "columns": (lambda h: h.replace(b"LSOA code,", b"LSOA,", 1),
                "missing columns ['LSOA code']; found"),
    "month": (lambda h: h.replace(b",2017-07,", b",July 2017,", 1), "row 2: 'July 2017'"),
    "type": (lambda h: h.replace(b",Burglary,", b",Burglery,", 1), "'Burglery'"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_files_say_what_is_wrong(tmp_path, case):
    make, message = BAD[case]
    path = tmp_path / "2017-07-west-yorkshire-street.csv"
    path.write_bytes(make(HEAD.read_bytes()))
    with pytest.raises(ScenarioError) as err:
        read_police_uk([path])
    assert message in str(err.value) and str(path) in str(err.value)


def test_unknown_area_lists_the_known_ones():
    with pytest.raises(ScenarioError, match="Calderdale"):
        lsoas_of("Calderdal")
    assert len(lsoas_of("calderdale")) == 128


def test_command_writes_counts_and_report(tmp_path):
    out = tmp_path / "calderdale.parquet"
    done = vsim_cmd("data", "police-uk", RAW, "--lad", "Calderdale", "--out", out, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    counts = pd.read_parquet(out)
    assert set(counts["lsoa_code"]) <= set(lsoas_of("Calderdale")["lsoa11cd"])
    assert "Longitude" not in counts.columns and "crime_id" not in counts.columns
    report = json.loads(out.with_name("calderdale.report.json").read_text())
    assert report["outside_area"] > 40_000 and "outside the chosen area" in done.stdout
    bad = tmp_path / "bad"
    bad.mkdir()
    shutil.copy(HEAD, bad / "2017-07-west-yorkshire-street.csv")
    (bad / "2017-08-west-yorkshire-street.csv").write_bytes(b"\xef\xbb\xbf" + HEAD.read_bytes())
    refused = vsim_cmd("data", "police-uk", bad, "--out", tmp_path / "no.parquet", cwd=tmp_path)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "byte-order mark" in refused.stderr and not (tmp_path / "no.parquet").exists()


def test_area_command_writes_the_lsoas_as_neighbourhoods(tmp_path):
    """The area command: one neighbourhood per LSOA, residents summed, proxy standardised."""
    from vsim.loading import load_scenario

    out = tmp_path / "calderdale.toml"
    done = vsim_cmd("area", "--lad", "Calderdale", "--out", out, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    sc = load_scenario(out)
    table = lsoas_of("Calderdale")
    assert [n.name for n in sc.area.neighbourhoods] == list(table["lsoa11cd"])
    assert sc.area.residents == table["usual_residents"].sum() == 203_826
    dep = [n.deprivation for n in sc.area.neighbourhoods]
    assert abs(sum(dep) / len(dep)) < 0.01 and 0.95 < pd.Series(dep).std(ddof=0) < 1.05
    assert "Open Government Licence" in out.read_text()
    bad = vsim_cmd("area", "--lad", "Atlantis", "--out", tmp_path / "a.toml", cwd=tmp_path)
    assert bad.returncode == 2 and "Calderdale" in bad.stderr
    assert not (tmp_path / "a.toml").exists()
