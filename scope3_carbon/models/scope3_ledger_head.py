# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import SQL

from ..core import chain as chain_core


class Scope3LedgerHead(models.Model):
    """The head of a company's emission-entry hash chain (position and hash of its last
    sealed entry), written by the sealer only.

    A database trigger lets the head move forward only (a larger position) and refuses
    DELETE and TRUNCATE: removing the last sealed entries of the ledger leaves a head
    that the chain no longer reaches, which Verify reports.
    """

    _name = "scope3.ledger.head"
    _description = "Scope 3 Ledger Chain Head"

    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="restrict")
    chain_seq = fields.Integer(readonly=True)
    chain_hash = fields.Char(readonly=True)

    _sql_constraints = [
        ("company_uniq", "unique(company_id)", "A company has one ledger chain head."),
    ]

    def init(self):
        self.env.cr.execute(
            """
            CREATE OR REPLACE FUNCTION scope3_ledger_head_forward_only()
            RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'UPDATE' AND NEW.company_id = OLD.company_id
                   AND NEW.chain_seq > OLD.chain_seq THEN
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION 'scope3_ledger_head: %', 'the chain head only moves forward'
                    USING ERRCODE = 'restrict_violation';
            END;
            $$;
            DROP TRIGGER IF EXISTS scope3_ledger_head_forward_only ON scope3_ledger_head;
            CREATE TRIGGER scope3_ledger_head_forward_only
                BEFORE UPDATE OR DELETE ON scope3_ledger_head
                FOR EACH ROW EXECUTE FUNCTION scope3_ledger_head_forward_only();
            DROP TRIGGER IF EXISTS scope3_ledger_head_no_truncate ON scope3_ledger_head;
            CREATE TRIGGER scope3_ledger_head_no_truncate
                BEFORE TRUNCATE ON scope3_ledger_head
                FOR EACH STATEMENT EXECUTE FUNCTION scope3_ledger_head_forward_only();
            """
        )

    @api.model
    def _scope3_head(self, company):
        """``(chain hash, position)`` of the company's last sealed entry (the genesis
        hash and 0 before the first)."""
        self.env.cr.execute(
            "SELECT chain_hash, chain_seq FROM scope3_ledger_head WHERE company_id = %s",
            [company.id],
        )
        row = self.env.cr.fetchone()
        return (row[0], row[1]) if row else (chain_core.genesis(company.id), 0)

    @api.model
    def _scope3_move(self, company, position, chain_hash):
        """Move the head of ``company`` to ``position`` (by SQL: the sealer's transaction
        holds the company's sealing lock)."""
        self.env.cr.execute(
            SQL(
                "INSERT INTO scope3_ledger_head (company_id, chain_seq, chain_hash, create_uid, "
                "write_uid, create_date, write_date) VALUES (%s, %s, %s, %s, %s, "
                "now() at time zone 'UTC', now() at time zone 'UTC') ON CONFLICT (company_id) "
                "DO UPDATE SET chain_seq = EXCLUDED.chain_seq, chain_hash = EXCLUDED.chain_hash, "
                "write_date = EXCLUDED.write_date",
                company.id,
                position,
                chain_hash,
                self.env.uid,
                self.env.uid,
            )
        )
        self.invalidate_model()
