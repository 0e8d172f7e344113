# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class Scope3AgentKind(models.AbstractModel):
    """What every kind of agent implements (the framework in ``scope3.agent`` calls it).

    - ``_scope3_phases(agent)``: ordered phases of a run, each a dict with ``name``,
      ``model``, ``domain`` and ``method``; the framework walks each phase's records in
      id order, ``batch_size`` at a time, and calls ``method(agent, records, run)``,
      which returns the batch's results (``agent._scope3_check(...)``, Nones dropped);
      a phase may add ``changed`` (a function of a moment returning the domain of the
      subjects whose findings may have changed since then) and ``checks`` (the checks
      it raises): an incremental pass walks only those subjects;
    - ``_scope3_incremental()``: whether the kind's passes may be incremental;
    - ``_scope3_executable_actions()``: proposal actions the agent can carry out itself
      (the others need a person to change the data);
    - ``_scope3_apply(finding)``: carry out an approved proposal, return an outcome dict;
    - ``_scope3_on_reject(finding)``, ``_scope3_after_run(run)``: hooks.
    """

    _name = "scope3.agent.kind"
    _description = "Scope 3 Agent Kind"

    @api.model
    def _scope3_phases(self, agent):
        return []

    @api.model
    def _scope3_incremental(self):
        """Whether a pass may walk only the subjects changed since the last complete
        pass (every phase then has ``changed`` and ``checks``, or is walked whole)."""
        return False

    @api.model
    def _scope3_executable_actions(self):
        return set()

    @api.model
    def _scope3_auto_actions(self):
        """Executable actions the agent may carry out alone in Act mode."""
        return self._scope3_executable_actions()

    @api.model
    def _scope3_sticky_checks(self):
        """Checks whose open findings stay open when a run does not see them again."""
        return []

    @api.model
    def _scope3_apply(self, finding):
        return {}

    @api.model
    def _scope3_changed_since(self, agent, moment):
        """Whether the agent's subjects may have changed since ``moment`` (the start of its
        last complete pass); False lets an idle cron call start no run at all. By
        default a kind always runs."""
        return True

    @api.model
    def _scope3_explain(self, finding):
        """Lines explaining ``finding`` to a manager, rendered at display time from the
        codes and values of its evidence (none: the summary says it all)."""
        return []

    @api.model
    def _scope3_on_reject(self, finding):
        return None

    @api.model
    def _scope3_after_run(self, run):
        return None

    @api.model
    def _scope3_keep(self, results):
        return [result for result in results if result]
