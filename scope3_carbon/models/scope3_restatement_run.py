# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The work of a restatement, in bounded chunks: its shadow run and its posting.

Both go through the scope's activities in id order, ``chunk`` activities at a time; each
chunk is one transaction (the restatement cron commits it) and the position reached is
stored with it, so a run interrupted (crash, restart, killed worker) goes on where it
stopped and no transaction or memory grows with the size of the ledger. The first chunk
runs where the work is asked for (the outbox handler for a shadow run, the manager's
click for a posting), so that small restatements are done at once.

Posting checks each activity again before it posts it: the shadow run stored, per
activity, a fingerprint of the entries it would post and the last ledger entry it had
seen. The click refuses when any restated activity got an entry since, and any chunk
posts an activity only when its entries are still those approved; the click refuses the
whole posting otherwise, the cron leaves such activities out (*not posted*, counted and
said in the chatter) so that they can be restated again.
"""

import hashlib
import json
import time
from collections import defaultdict
from datetime import date as date_cls
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL, float_is_zero, float_round

from ..core import trace as trace_core
from ..core.trace import TRACE_LANG

#: activities per chunk (one transaction) unless ``scope3_carbon.restatement_chunk`` is set
DEFAULT_CHUNK = 1000
#: activities computed together inside a chunk (bounds the memory of one plan batch)
SHADOW_CHUNK = 500
#: seconds a cron call goes on taking chunks (each committed) before it hands over
CRON_BUDGET_S = 20.0
#: kg CO2e below which a delta is zero (the ledger's precision)
PRECISION = 3


class Scope3Restatement(models.Model):
    _inherit = "scope3.restatement"

    job = fields.Selection(
        [("compute", "Computing"), ("post", "Posting")],
        string="Under Way",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Work of this restatement in progress, chunk by chunk (the restatement cron).",
    )
    job_cursor = fields.Integer(
        string="Position",
        readonly=True,
        copy=False,
        help="Last activity id done by the work under way.",
    )
    job_total = fields.Integer(string="Activities To Do", readonly=True, copy=False)
    job_done = fields.Integer(string="Activities Done", readonly=True, copy=False)
    job_chunks = fields.Integer(string="Chunks", readonly=True, copy=False)
    job_started_at = fields.Datetime(string="Started", readonly=True, copy=False)
    job_progress = fields.Float(string="Progress (%)", compute="_compute_job_progress")
    job_moved = fields.Integer(
        string="Entries Dated After The Lock",
        readonly=True,
        copy=False,
        help="Entries of a locked period posted on the day after the lock date.",
    )
    stale_count = fields.Integer(
        string="Activities Not Posted",
        readonly=True,
        copy=False,
        help="Restated activities whose entries changed between the click on Post and "
        "their turn in the posting: left as they are, to be restated again.",
    )

    @api.depends("job_done", "job_total")
    def _compute_job_progress(self):
        for restatement in self:
            total = restatement.job_total
            restatement.job_progress = (
                min(100.0, 100.0 * restatement.job_done / total) if total else 0.0
            )

    # ------------------------------------------------------------------------------------
    # Chunks and the cron
    # ------------------------------------------------------------------------------------
    @api.model
    def _scope3_chunk_size(self):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("scope3_carbon.restatement_chunk", DEFAULT_CHUNK)
        )
        try:
            return max(1, int(value))
        except (TypeError, ValueError):
            return DEFAULT_CHUNK

    def _scope3_trigger_cron(self):
        cron = self.env.ref("scope3_carbon.ir_cron_scope3_restatement", raise_if_not_found=False)
        if cron and self.filtered("job"):
            cron.sudo()._trigger()

    def _scope3_run_chunk(self):
        """Do the next chunk of this restatement's work; returns the activities done."""
        self.ensure_one()
        if self.job == "compute":
            return self._scope3_compute_chunk()
        if self.job == "post":
            return len(self._scope3_post().activity_id)
        return 0

    @api.model
    def _cron_run_jobs(self):
        """Restatement cron: chunks of the oldest work under way, each committed, for up
        to ``CRON_BUDGET_S`` seconds; the scheduler calls again at once while work
        remains (``_notify_progress``)."""
        Event = self.env["scope3.outbox.event"]
        may_commit = Event._scope3_may_commit()
        Restatement = self.sudo().with_context(lang=TRACE_LANG)
        deadline = time.monotonic() + CRON_BUDGET_S
        done = 0
        while True:
            # a row another worker holds (a handler restarting it) is left for later
            self.env.cr.execute(
                SQL(
                    "SELECT id FROM scope3_restatement WHERE job IS NOT NULL "
                    "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"
                )
            )
            row = self.env.cr.fetchone()
            if not row:
                break
            done += Restatement.browse(row[0])._scope3_run_chunk()
            if not may_commit:
                break  # inside a test's or a caller's transaction: one chunk per call
            # a chunk is a unit of work: its lines or entries and the position reached
            self.env.cr.commit()  # pylint: disable=invalid-commit
            self.env.invalidate_all()
            if time.monotonic() > deadline:
                break
        remaining = Restatement.search_count([("job", "!=", False)])
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return done

    # ------------------------------------------------------------------------------------
    # Shadow run
    # ------------------------------------------------------------------------------------
    def _scope3_compute_events(self, events):
        """Outbox handler: start the shadow run of the restatements still to compute and
        compute their first chunk here."""
        todo = self.filtered(lambda r: r.state == "draft")
        for restatement in todo:
            restatement._scope3_start_compute()
            restatement._scope3_compute_chunk()
        todo._scope3_trigger_cron()

    def _scope3_start_compute(self):
        self.ensure_one()
        self.line_ids.unlink()
        Activity = self.env["scope3.activity"].sudo()
        self.write(
            {
                "job": "compute",
                "job_cursor": 0,
                "job_done": 0,
                "job_chunks": 0,
                "job_total": Activity.search_count(self._scope3_activity_domain()),
                "job_started_at": fields.Datetime.now(),
                "stale_count": 0,
                "job_moved": 0,
            }
        )

    def _scope3_activity_domain(self):
        self.ensure_one()
        domain = [("company_id", "=", self.company_id.id), ("state", "!=", "cancelled")]
        if self.scope_domain:
            domain = expression.AND([domain, json.loads(self.scope_domain)])
        dates = []
        if self.scope_date_from:
            dates.append(("date", ">=", self.scope_date_from))
        if self.scope_date_to:
            dates.append(("date", "<=", self.scope_date_to))
        if dates:
            # the activity's date, or that of any of its entries (bills, receipts)
            domain = expression.AND([domain, expression.OR([dates, [("entry_ids", "any", dates)]])])
        return domain

    def _scope3_compute_chunk(self):
        """Shadow run of the next chunk of activities: their lines; the header when the
        scope is exhausted. Returns how many activities were computed."""
        self.ensure_one()
        size = self._scope3_chunk_size()
        activities = (
            self.env["scope3.activity"]
            .sudo()
            .search(
                [*self._scope3_activity_domain(), ("id", ">", self.job_cursor)],
                order="id",
                limit=size + 1,  # one more tells whether this chunk is the last
            )
        )
        last = len(activities) <= size
        activities = activities[:size]
        if activities:
            self._scope3_write_lines(self._scope3_shadow_vals(activities))
            self.write(
                {
                    "job_cursor": activities[-1].id,
                    "job_done": self.job_done + len(activities),
                    "job_chunks": self.job_chunks + 1,
                }
            )
        if last:
            self._scope3_finish_compute()
        return len(activities)

    def _scope3_decorate(self, plans):
        """Mark the plans as posted by this restatement (identically when shadowed and
        when posted, so both give the same entries)."""
        self.ensure_one()
        for plan in plans:
            plan["restatement"] = self
            plan["reason"] = f"restatement {self.name} ({self.trigger}): {plan['reason']}"
        return plans

    def _scope3_plan_vals(self, activities):
        """Plans and entry values this restatement gives for ``activities`` (not
        written)."""
        self.ensure_one()
        recompute = self._scope3_recompute(activities)
        if recompute:
            activities = activities.with_context(scope3_recompute=recompute)
        plans = self._scope3_decorate(activities._scope3_plans())
        return plans, self.env["scope3.activity"].sudo()._scope3_apply(plans, post=False)

    def _scope3_shadow_vals(self, activities):
        """Values of the entries (reversals, new figures) this restatement would post for
        ``activities``, computed without writing."""
        self.ensure_one()
        vals_list = []
        for start in range(0, len(activities), SHADOW_CHUNK):
            vals_list += self._scope3_plan_vals(activities[start : start + SHADOW_CHUNK])[1]
        return vals_list

    def _scope3_recompute(self, activities):
        """One cause per restatement: what its shadow run changes, the rest being kept
        as the entries recorded it (``scope3.activity._scope3_pinned_candidates``).

        - a factor-set publication swaps each factor for the same key in the new set,
          with the settings each entry was computed with;
        - a change of computation settings (well-to-wheel, price basis, accounting
          basis) keeps the factors;
        - a change of what chooses factors (product or category code, mapping rule,
          supplier footprint, the company's spend-based set or default code) resolves
          them again, with the recorded settings;
        - a manual request recomputes with everything as it is today.
        """
        self.ensure_one()
        if self.trigger == "manual":
            return None
        entries = activities._scope3_pinnable_entries()
        if self.trigger == "factor_set" and self.factor_set_id:
            chosen = self.company_id.scope3_spend_factor_set_id
            if chosen.state in ("published", "superseded") and chosen != self.factor_set_id:
                # the company has chosen another set since: this one no longer applies
                return {"entries": entries, "factors": "recorded", "settings": "recorded"}
            return {
                "entries": entries,
                "factors": ("swap", self.factor_set_id.id),
                "settings": "recorded",
            }
        if self.trigger == "settings":
            return {"entries": entries, "factors": "recorded", "settings": "current"}
        return {"entries": entries, "factors": "chain", "settings": "recorded"}

    @api.model
    def _scope3_fingerprint(self, vals_list):
        """SHA-256 of the entries a shadow run gives (what posting must find again)."""
        rows = sorted(
            json.dumps(
                [
                    vals["activity_id"],
                    vals["stage"],
                    vals.get("reversed_entry_id") or 0,
                    vals.get("category_id") or 0,
                    str(vals["date"]),
                    format(float_round(vals["co2e_kg"], PRECISION), ".3f"),
                    trace_core.text_hash(vals["trace"]),
                ]
            )
            for vals in vals_list
        )
        return hashlib.sha256("\n".join(rows).encode()).hexdigest()

    @api.model
    def _scope3_vals_by_activity(self, vals_list):
        by_activity = defaultdict(list)
        for vals in vals_list:
            by_activity[vals["activity_id"]].append(vals)
        return by_activity

    @api.model
    def _scope3_lines_by_activity(self, vals_list):
        """Group shadow entries into lines: activity -> {(stage, category, date): [current,
        restated]} (a reversal takes its entry out of *current*)."""
        lines = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0]))
        for vals in vals_list:
            key = (vals["stage"], vals.get("category_id") or False, vals["date"])
            figures = lines[vals["activity_id"]][key]
            if vals.get("reversed_entry_id"):
                figures[0] -= vals["co2e_kg"]
            else:
                figures[1] += vals["co2e_kg"]
        return lines

    def _scope3_write_lines(self, vals_list):
        """Lines of the activities whose figures change, each with the fingerprint of
        the activity's shadow entries and the last entry the shadow run saw."""
        self.ensure_one()
        by_activity = self._scope3_lines_by_activity(vals_list)
        kept = sorted(
            activity_id
            for activity_id, keys in by_activity.items()
            if any(
                not float_is_zero(restated - current, precision_digits=PRECISION)
                for current, restated in keys.values()
            )
        )
        if not kept:
            return
        vals_by_activity = self._scope3_vals_by_activity(vals_list)
        self.env.cr.execute(
            SQL(
                "SELECT activity_id, max(id) FROM scope3_emission_entry "
                "WHERE activity_id = ANY(%s) GROUP BY activity_id",
                kept,
            )
        )
        marks = dict(self.env.cr.fetchall())
        lock = self.company_id.scope3_lock_date
        line_vals = []
        for activity in self.env["scope3.activity"].sudo().browse(kept):
            fingerprint = self._scope3_fingerprint(vals_by_activity[activity.id])
            for (stage, category, day), (current, restated) in sorted(
                by_activity[activity.id].items(), key=lambda kv: (kv[0][2], kv[0][0])
            ):
                line_vals.append(
                    {
                        "restatement_id": self.id,
                        "activity_id": activity.id,
                        "product_id": activity.product_id.id,
                        "partner_id": activity.partner_id.id,
                        "stage": stage,
                        "category_id": category,
                        "date": day,
                        "entry_date": self._scope3_open_date(day, lock),
                        "current_kg": float_round(current, PRECISION),
                        "restated_kg": float_round(restated, PRECISION),
                        "activity_hash": fingerprint,
                        "entry_mark": marks.get(activity.id, 0),
                    }
                )
        self.env["scope3.restatement.line"].sudo().create(line_vals)

    def _scope3_line_fingerprints(self, activity_ids=None):
        """activity id -> fingerprint of its shadow entries, from this restatement's
        lines (one query)."""
        self.ensure_one()
        where = SQL("restatement_id = %s", self.id)
        if activity_ids is not None:
            where = SQL("%s AND activity_id = ANY(%s)", where, list(activity_ids))
        self.env.cr.execute(
            SQL(
                "SELECT activity_id, min(activity_hash) FROM scope3_restatement_line "
                "WHERE %s GROUP BY activity_id ORDER BY activity_id",
                where,
            )
        )
        return dict(self.env.cr.fetchall())

    def _scope3_finish_compute(self):
        """Header of a computed restatement: totals, significance, fingerprint."""
        self.ensure_one()
        self.env.flush_all()
        Line = self.env["scope3.restatement.line"].sudo()
        [(count, activities, current, restated, first, last)] = Line._read_group(
            [("restatement_id", "=", self.id)],
            [],
            [
                "__count",
                "activity_id:count_distinct",
                "current_kg:sum",
                "restated_kg:sum",
                "date:min",
                "entry_date:max",
            ],
        )
        fingerprints = self._scope3_line_fingerprints()
        shadow_hash = hashlib.sha256(
            "\n".join(f"{key}:{value}" for key, value in fingerprints.items()).encode()
        ).hexdigest()
        self.invalidate_recordset(["line_ids"])
        self.write(
            dict(
                self._scope3_totals(current or 0.0, restated or 0.0),
                state="proposed",
                job=False,
                proposed_date=fields.Datetime.now(),
                scanned_count=self.job_done,
                activity_count=activities,
                line_count=count,
                shadow_hash=shadow_hash,
                date_from=first or False,
                date_to=last or False,
            )
        )
        self.message_post(body=self._scope3_summary())

    def _scope3_totals(self, current, restated):
        """Header totals and the significance test."""
        self.ensure_one()
        company = self.company_id
        current = float_round(current, PRECISION)
        restated = float_round(restated, PRECISION)
        delta = float_round(restated - current, PRECISION)
        if company.scope3_base_year:
            year = company.scope3_base_year
            groups = (
                self.env["scope3.emission.entry"]
                .sudo()
                ._read_group(
                    [
                        ("company_id", "=", company.id),
                        ("date", ">=", date_cls(year, 1, 1)),
                        ("date", "<=", date_cls(year, 12, 31)),
                    ],
                    [],
                    ["co2e_kg:sum"],
                )
            )
            reference = float_round(groups[0][0] or 0.0, PRECISION)
            label = self.env._("Base year %(year)s inventory", year=year)
        else:
            reference = current
            label = self.env._("Current total of the restated entries")
        if reference:
            pct = delta / abs(reference) * 100.0
        else:
            pct = 100.0 if delta else 0.0  # everything restated is new: as large as can be
        threshold = company.scope3_significance_pct
        return {
            "current_kg": current,
            "restated_kg": restated,
            "delta_kg": delta,
            "reference_kg": reference,
            "reference_label": label,
            "delta_pct": pct,
            "significance_pct": threshold,
            "is_significant": bool(delta) and abs(pct) >= threshold,
        }

    def _scope3_summary(self):
        self.ensure_one()
        if not self.line_count:
            return self.env._(
                "Computed: no entry changes (%(count)s activities computed). Nothing to "
                "approve.",
                count=self.scanned_count,
            )
        return self.env._(
            "Computed: %(activities)s activities change, %(current).3f kg CO2e restated as "
            "%(restated).3f kg CO2e (delta %(delta).3f kg, %(pct).4f %% of the %(reference)s"
            "; %(significance)s at a %(threshold).2f %% threshold).",
            activities=self.activity_count,
            current=self.current_kg,
            restated=self.restated_kg,
            delta=self.delta_kg,
            pct=self.delta_pct,
            reference=self.reference_label.lower() if self.reference_label else "",
            significance=self.env._("significant")
            if self.is_significant
            else self.env._("not significant"),
            threshold=self.significance_pct,
        )

    @api.model
    def _scope3_open_date(self, day, lock):
        """``day``, or the first day after the lock date when ``day`` is locked."""
        day = fields.Date.to_date(day)
        return lock + timedelta(days=1) if lock and day <= lock else day

    # ------------------------------------------------------------------------------------
    # Posting
    # ------------------------------------------------------------------------------------
    def _scope3_moved_activities(self):
        """Restated activities that got a ledger entry after the shadow run saw them."""
        self.ensure_one()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT l.activity_id
                  FROM scope3_restatement_line l
                 WHERE l.restatement_id = %s
                   AND EXISTS (SELECT 1 FROM scope3_emission_entry e
                                WHERE e.activity_id = l.activity_id
                                  AND e.id > COALESCE(l.entry_mark, 0))
                 ORDER BY l.activity_id
                """,
                self.id,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _scope3_refuse_moved(self, activity_ids):
        activity = self.env["scope3.activity"].sudo().browse(activity_ids[0])
        raise UserError(
            self.env._(
                "The ledger or the configuration changed since %(name)s was computed: the "
                "figures of %(count)s restated activities (first: %(activity)s) are no "
                "longer those approved. Nothing was posted. Compute it again.",
                name=self.name,
                count=len(activity_ids),
                activity=activity.display_name,
            )
            if len(activity_ids) > 1
            else self.env._(
                "The ledger or the configuration changed since %(name)s was computed: the "
                "figures of the restated activity %(activity)s are no longer those approved. "
                "Nothing was posted. Compute it again.",
                name=self.name,
                activity=activity.display_name,
            )
        )

    def _scope3_start_post(self):
        """The click on Post: refuse when the ledger moved, else post the first chunk."""
        self.ensure_one()
        moved = self._scope3_moved_activities()
        if moved:
            self._scope3_refuse_moved(moved)
        self.write(
            {
                "job": "post",
                "job_cursor": 0,
                "job_done": 0,
                "job_chunks": 0,
                "job_total": self.activity_count,
                "job_started_at": fields.Datetime.now(),
                "job_moved": 0,
                "stale_count": 0,
                "posted_by_id": self.env.uid,
            }
        )
        try:
            self._scope3_post(strict=True)
        except UserError:
            # nothing posted: back to approved without work under way (whether or not
            # the caller rolls its transaction back)
            self.write({"job": False, "posted_by_id": False})
            raise
        self._scope3_trigger_cron()

    def _scope3_post(self, strict=False):
        """Post the next chunk of restated activities; the header when all are done.

        Each activity is posted when its entries are still those approved (same
        fingerprint); otherwise ``strict`` (the click) refuses everything, and the cron
        leaves the activity out (*not posted*). Returns the entries posted.
        """
        self.ensure_one()
        Activity = self.env["scope3.activity"].sudo()
        Entry = self.env["scope3.emission.entry"].sudo()
        size = self._scope3_chunk_size()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT DISTINCT activity_id FROM scope3_restatement_line "
                "WHERE restatement_id = %s AND activity_id > %s ORDER BY activity_id LIMIT %s",
                self.id,
                self.job_cursor,
                size + 1,  # one more tells whether this chunk is the last
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        last = len(ids) <= size
        ids = ids[:size]
        entries = Entry.browse()
        if ids:
            # serialise with cron workers reconciling the same activities
            self.env.cr.execute(
                SQL(
                    "SELECT id FROM scope3_activity WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
                    ids,
                )
            )
            activities = Activity.browse(ids)
            plans, vals_list = self._scope3_plan_vals(activities)
            approved = self._scope3_line_fingerprints(ids)
            by_activity = self._scope3_vals_by_activity(vals_list)
            stale = [
                activity_id
                for activity_id in ids
                if self._scope3_fingerprint(by_activity.get(activity_id, []))
                != approved[activity_id]
            ]
            if stale and strict:
                self._scope3_refuse_moved(stale)
            stale_set = set(stale)
            vals_list = [vals for vals in vals_list if vals["activity_id"] not in stale_set]
            lock = self.company_id.scope3_lock_date
            moved = 0
            for vals in vals_list:
                day = self._scope3_open_date(vals["date"], lock)
                if day != fields.Date.to_date(vals["date"]):
                    vals["date"] = day
                    moved += 1
            Activity._scope3_write_grouped(
                {
                    plan["activity"]: plan.get("activity_vals") or {}
                    for plan in plans
                    if plan["activity"].id not in stale_set
                }
            )
            entries = Entry._scope3_post(vals_list)
            self.env.cr.execute(
                SQL(
                    "UPDATE scope3_restatement_line SET post_state = CASE WHEN "
                    "activity_id = ANY(%s) THEN 'stale' ELSE 'posted' END "
                    "WHERE restatement_id = %s AND activity_id = ANY(%s)",
                    stale,
                    self.id,
                    ids,
                )
            )
            self.env["scope3.restatement.line"].invalidate_model(["post_state"])
            self.invalidate_recordset(["entry_ids"])  # inserted set-based
            self.write(
                {
                    "job_cursor": ids[-1],
                    "job_done": self.job_done + len(ids),
                    "job_chunks": self.job_chunks + 1,
                    "job_moved": self.job_moved + moved,
                    "stale_count": self.stale_count + len(stale),
                }
            )
        if last:
            self._scope3_finish_post()
        return entries

    def _scope3_finish_post(self):
        self.ensure_one()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT count(*), count(reversed_entry_id) FROM scope3_emission_entry "
                "WHERE restatement_id = %s",
                self.id,
            )
        )
        count, reversals = self.env.cr.fetchone()
        self.write({"state": "posted", "job": False, "posted_date": fields.Datetime.now()})
        if count == 1:
            message = self.env._("Posted 1 entry by %(user)s.", user=self.posted_by_id.name)
        else:
            message = self.env._(
                "Posted %(count)s entries (%(reversals)s reversals) by %(user)s.",
                count=count,
                reversals=reversals,
                user=self.posted_by_id.name,
            )
        lock = self.company_id.scope3_lock_date
        if self.job_moved and lock:
            message += " " + self.env._(
                "%(moved)s entries of the period locked up to %(lock)s are dated %(day)s.",
                moved=self.job_moved,
                lock=lock,
                day=lock + timedelta(days=1),
            )
        if self.stale_count == 1:
            message += " " + self.env._(
                "1 restated activity changed while the posting was under way and was left "
                "as it is (line marked Not Posted): request a new restatement for it."
            )
        elif self.stale_count:
            message += " " + self.env._(
                "%(count)s restated activities changed while the posting was under way and "
                "were left as they are (lines marked Not Posted): request a new restatement "
                "for them.",
                count=self.stale_count,
            )
        self.message_post(body=message)
