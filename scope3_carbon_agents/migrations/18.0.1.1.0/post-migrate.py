# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Decision hashes cover every stored column since 18.0.1.1.0 and decisions are chained by
a sealer: the records of an older log are queued again and sealed under the new formula
(the old chain was verified by the old formula only; nothing else about them changes)."""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    cr.execute("SELECT count(*) FROM scope3_agent_decision WHERE chain_position IS NULL")
    legacy = cr.fetchone()[0]
    if not legacy:
        return
    cr.execute("ALTER TABLE scope3_agent_decision DISABLE TRIGGER USER")
    cr.execute("ALTER TABLE scope3_agent_decision_head DISABLE TRIGGER USER")
    cr.execute("UPDATE scope3_agent_decision SET hash = NULL, previous_hash = NULL")
    cr.execute(
        "UPDATE scope3_agent_decision_head SET last_id = 0, last_position = 0, hash = %s",
        ["0" * 64],
    )
    cr.execute("ALTER TABLE scope3_agent_decision ENABLE TRIGGER USER")
    cr.execute("ALTER TABLE scope3_agent_decision_head ENABLE TRIGGER USER")
    env = api.Environment(cr, SUPERUSER_ID, {})
    sealed = env["scope3.agent.decision"]._scope3_seal()
    _logger.info("scope3_carbon_agents: %s decisions re-chained under the new hash", sealed)
