"""Engines: where the cases of an export are judged — one process, both cores, or a cluster.

Every engine runs the same four steps on parts of the export that each hold whole cases
(rows are routed to a part by a hash of the case id), with the same functions
(:mod:`svcstd.engines.parts`):

1. **map** each part with the profile (:func:`svcstd.records.build.map_tables`) and take its
   :class:`~svcstd.checks.context.SharedFacts` — the few facts judging a case needs about
   other cases (each actor's earliest role, every case's customer and opening);
2. **judge** each part with the merged facts (:func:`parts.judge_part`): case-level verdicts,
   waivers applied, and what each KPI measured;
3. **combine** on the driver (:func:`svcstd.checks.engine.combine`): KPIs judged over all
   parts, verdicts in report order, and the failures to explain chosen;
4. **explain** the chosen failures in the parts that hold them (:func:`parts.explain_part`).

No rule is implemented twice: :func:`svcstd.checks.engine.run_check` is these steps on one
part. The local engine (:mod:`svcstd.engines.local`) runs them on worker processes over parts
kept as Arrow files in a temporary folder; the Dask engine (:mod:`svcstd.engines.dask`) runs
them as tasks of a Dask graph, the parts being a Dask shuffle of the export by case id.
"""

from __future__ import annotations

ENGINES = ("local", "dask")

__all__ = ["ENGINES"]
