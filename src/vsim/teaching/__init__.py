"""The teaching page: a scenario and its no-intervention twin, watched in the browser.

:mod:`vsim.teaching.twins` runs the pair in lockstep, :mod:`vsim.teaching.feed` observes
them, :mod:`vsim.teaching.charts` draws, :mod:`vsim.teaching.lessons` holds the lessons and
:mod:`vsim.teaching.page` is the Solara page (Mesa's visualisation) that ``vsim ui`` serves.
"""
