# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    scope3_entry_count = fields.Integer(compute="_compute_scope3_entry_count")

    def _compute_scope3_entry_count(self):
        # sudo: a count shown with the picking; one grouped query for all pickings
        groups = (
            self.env["scope3.emission.entry"]
            .sudo()
            ._read_group(
                [("purchase_line_id", "in", self.move_ids.purchase_line_id.ids)],
                ["purchase_line_id"],
                ["__count"],
            )
        )
        by_line = {line.id: count for line, count in groups}
        for picking in self:
            picking.scope3_entry_count = sum(
                by_line.get(line_id, 0) for line_id in picking.move_ids.purchase_line_id.ids
            )

    def action_view_scope3_entries(self):
        """Entries of the purchase lines this receipt (or return) moves goods for."""
        lines = self.move_ids.purchase_line_id
        return self.env["scope3.emission.entry"]._scope3_action(
            [("purchase_line_id", "in", lines.ids)]
        )

    # ------------------------------------------------------------------------------------
    # Freight double-counting guard
    # ------------------------------------------------------------------------------------
    def _scope3_freight_winners(self):
        """Highest-ranked freight source of each of these receipts, as receipt ->
        ``(rank, labels)``; receipts without a rank 1 or 2 source are absent.

        1. a distance-based transport activity of the receipt (``scope3.activity`` of
           source type ``transport`` for the receipt, attributed);
        2. a posted carrier bill: a vendor bill or refund linked to the receipt
           (``scope3_receipt_ids``) with at least one freight line.
        """
        winners = {}
        transports = (
            self.env["scope3.activity"]
            .sudo()  # the guard reads the activities whoever triggers it
            .search(
                [
                    ("source_type", "=", "transport"),
                    ("picking_id", "in", self.ids),
                    ("state", "=", "attributed"),
                ],
                order="id",
            )
        )
        for transport in transports:
            winners.setdefault(transport.picking_id, (1, []))[1].append(
                self.env._("transport activity %(name)s", name=transport.name)
            )
        carrier_bills = (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("scope3_receipt_ids", "in", self.ids),
                    ("state", "=", "posted"),
                    ("move_type", "in", ("in_invoice", "in_refund")),
                ],
                order="id",
            )
        )
        freight = carrier_bills.invoice_line_ids.product_id._scope3_freight_products()
        for bill in carrier_bills:
            if not bill.invoice_line_ids.product_id & freight:
                continue
            for receipt in bill.scope3_receipt_ids & self:
                if winners.get(receipt, (2,))[0] == 2:
                    winners.setdefault(receipt, (2, []))[1].append(
                        self.env._("carrier bill %(name)s", name=bill.name)
                    )
        return winners

    @api.model
    def _scope3_freight_losers(self, claims):
        """Freight sources that count nothing because a higher-ranked source covers every
        receipt they claim (the documented rule of the freight double-counting guard):

        1. distance-based transport activity of the receipt, then
        2. the carrier bill linked to the receipt, then
        3. freight charged on the goods purchase order or on the goods vendor bill.

        A source is excluded only when every receipt it claims has a source of a better
        rank; sources of the same rank all count (e.g. two carriers for two legs), and a
        source claiming no receipt is never excluded.

        :param dict claims: key -> ``(rank, receipts)``
        :return: dict key -> message naming the winner(s), for the excluded keys only
        """
        receipts = self.browse().union(*[receipts for _rank, receipts in claims.values()])
        winners = receipts._scope3_freight_winners() if receipts else {}
        losers = {}
        for key, (rank, covered) in claims.items():
            best = [winners.get(receipt) for receipt in covered]
            if not covered or not all(b and b[0] < rank for b in best):
                continue
            labels = list(dict.fromkeys(label for b in best for label in b[1]))
            losers[key] = self.env._(
                "Freight counted elsewhere: %(winners)s covers %(receipts)s, which comes "
                "first (rule: the distance-based transport activity of a receipt, then the "
                "carrier bill linked to it, then freight on the goods order or bill). This "
                "line counts nothing.",
                winners=", ".join(labels),
                receipts=", ".join(covered.mapped("name")),
            )
        return losers

    def _scope3_recapture_freight(self, exclude_moves=None):
        """Enqueue the re-attribution of every freight source competing for these
        receipts: their goods purchase orders with freight lines, the vendor bills of
        those orders and the carrier bills linked to the receipts.

        Call it when a source of a better rank appears or goes: a transport activity of a
        receipt attributed or cancelled, a carrier bill posted, reset or cancelled,
        receipts linked to or unlinked from a bill.

        :param exclude_moves: moves already captured by the caller
        :return: number of events recorded
        """
        # sudo: whoever changed a source (accountant, stock user) re-attributes the others
        receipts = self.sudo().filtered(lambda p: p.picking_type_code == "incoming")
        if not receipts:
            return 0
        orders = receipts.move_ids.purchase_line_id.order_id
        freight = orders.order_line.product_id._scope3_freight_products()
        count = orders.filtered(lambda o: o.order_line.product_id & freight)._scope3_capture(
            "scope3.freight.recapture"
        )
        moves = (
            receipts.env["account.move"].search([("scope3_receipt_ids", "in", receipts.ids)])
            | orders.invoice_ids
        )
        if exclude_moves:
            moves -= exclude_moves
        count += moves._scope3_capture_moves("scope3.freight.recapture", freight=False)
        return count
