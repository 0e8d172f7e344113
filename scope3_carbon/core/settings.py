"""The company settings a figure is computed with, and how a trace records them.

A restatement changes one cause at a time: the factor-set publication swaps factors and
keeps the settings each entry was computed with; a settings change keeps the factors.
The settings are therefore read either from the company (live capture) or from the trace
of the entry being recomputed (``from_trace``).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ComputationSettings:
    """Settings that move a figure.

    :param well_to_wheel: add the well-to-tank companion of activity factors
    :param margins: spend-based factors at purchaser price (with margins) or producer price
    :param basis: accounting basis requested (``location`` or ``market``)
    """

    well_to_wheel: bool
    margins: bool
    basis: str


def from_trace(trace, default):
    """The settings recorded in ``trace`` (a dict), each one not recorded (e.g. the
    well-to-wheel switch in a spend-based trace) taken from ``default``."""
    conversion = trace.get("conversion") or {}
    factor = trace.get("factor") or {}
    basis = (trace.get("subject") or {}).get("basis") or {}
    return ComputationSettings(
        well_to_wheel=bool(conversion.get("well_to_wheel", default.well_to_wheel)),
        margins=bool(factor.get("margins", default.margins)),
        basis=basis.get("requested") or default.basis,
    )
