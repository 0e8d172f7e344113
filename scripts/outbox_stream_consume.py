"""Read the Scope 3 outbox as a stream from a PostgreSQL logical replication slot.

A reference consumer of the stream that Debezium's outbox event router consumes: it reads the
publication on the outbox table (``docs/streaming/publication.sql``) through a ``pgoutput``
slot with psycopg2's replication support, decodes the messages
(``scripts/outbox_stream_pgoutput.py``) and prints one JSON line per event committed::

    python scripts/outbox_stream_consume.py --dsn "host=db dbname=odoo user=replicator" \\
        --slot scope3_outbox_slot --create-slot --until-current

Delivery is at least once: the position is acknowledged to the server (``flush_lsn``) only
after the events of a transaction were written out, so a consumer that stops before that gets
them again on its next start; consumers de-duplicate on ``idempotency_key``.
Needs psycopg2 (Odoo's own requirement) and no Odoo import.
"""

import argparse
import json
import pathlib
import select
import sys
import time

import psycopg2
import psycopg2.extras

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from outbox_stream_pgoutput import (  # noqa: E402 - the decoder lives beside this script
    PROTO_VERSION,
    OutboxStream,
    decode,
    format_lsn,
    parse_lsn,
)

DEFAULT_PUBLICATION = "scope3_outbox"
DEFAULT_SLOT = "scope3_outbox_slot"


def create_slot(dsn, slot):
    """Create the logical slot ``slot`` (pgoutput); return its consistent point (LSN text).

    The slot keeps every change committed after this point until a consumer acknowledges it.
    """
    cnx = psycopg2.connect(dsn, connection_factory=psycopg2.extras.LogicalReplicationConnection)
    try:
        cur = cnx.cursor()
        cur.create_replication_slot(slot, output_plugin="pgoutput")
        return cur.fetchone()[1] if cur.description else None
    finally:
        cnx.close()


def current_lsn(dsn):
    """The current WAL write position of the server (``pg_current_wal_lsn()``) as an int."""
    cnx = psycopg2.connect(dsn)
    try:
        with cnx.cursor() as cr:
            cr.execute("SELECT pg_current_wal_lsn()::text")
            return parse_lsn(cr.fetchone()[0])
    finally:
        cnx.close()


def read_events(
    dsn,
    slot=DEFAULT_SLOT,
    publication=DEFAULT_PUBLICATION,
    until_lsn=None,
    timeout=60.0,
    acknowledge=True,
    on_events=None,
):
    """Stream the outbox events of ``slot`` until the server's WAL position ``until_lsn``.

    :param int until_lsn: stop once the stream has passed this WAL position (e.g. the value of
        :func:`current_lsn` taken after the documents were committed); ``None`` reads until
        ``timeout``
    :param float timeout: seconds after which reading stops; with ``until_lsn``, reaching the
        timeout first raises ``TimeoutError``
    :param bool acknowledge: confirm to the server (``flush_lsn``) the end of each transaction
        once its events were handed to ``on_events``; without it the slot keeps them and the
        next reader gets them again
    :param on_events: called with the list of events of each committed transaction
    :return: ``(events, stream)``: every event read, in commit order, and the
        :class:`OutboxStream` (relations seen, changes ignored)
    """
    stream = OutboxStream()
    events = []
    cnx = psycopg2.connect(dsn, connection_factory=psycopg2.extras.LogicalReplicationConnection)
    try:
        cur = cnx.cursor()
        cur.start_replication(
            slot_name=slot,
            decode=False,
            options={"proto_version": str(PROTO_VERSION), "publication_names": publication},
        )
        deadline = time.monotonic() + timeout
        # ask the server for a keepalive at once: it carries its WAL end position
        cur.send_feedback(reply=True)
        while True:
            message = cur.read_message()
            if message is not None:
                decoded = decode(message.payload)
                committed = stream.feed(decoded)
                if committed:
                    events.extend(committed)
                    if on_events:
                        on_events(committed)
                    if acknowledge:
                        cur.send_feedback(flush_lsn=decoded.end_lsn)
                continue
            # no message waiting: done when the stream has passed the target position with no
            # transaction left open
            if until_lsn is not None and cur.wal_end >= until_lsn and not stream.in_transaction:
                if acknowledge:
                    cur.send_feedback(flush_lsn=cur.wal_end, force=True)
                return events, stream
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if until_lsn is None:
                    return events, stream
                raise TimeoutError(
                    f"the stream of slot {slot} did not reach {format_lsn(until_lsn)} within "
                    f"{timeout:g} s (at {format_lsn(cur.wal_end)}, {len(events)} event(s) read)"
                )
            select.select([cur], [], [], min(remaining, 1.0))
            cur.send_feedback(reply=True)
    finally:
        cnx.close()


def event_json(event):
    """The JSON-serialisable form of an event (what this consumer prints)."""
    return {
        "id": event.id,
        "aggregatetype": event.aggregatetype,
        "aggregateid": event.aggregateid,
        "type": event.type,
        "idempotency_key": event.idempotency_key,
        "correlation_id": event.correlation_id,
        "company_id": event.company_id,
        "xid": event.xid,
        "commit_lsn": format_lsn(event.commit_lsn),
        "commit_time": event.commit_time.isoformat(),
        "payload": event.payload,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dsn", required=True, help="libpq connection string of the database")
    parser.add_argument("--slot", default=DEFAULT_SLOT)
    parser.add_argument("--publication", default=DEFAULT_PUBLICATION)
    parser.add_argument(
        "--create-slot", action="store_true", help="create the slot first (fails if it exists)"
    )
    parser.add_argument(
        "--until-current",
        action="store_true",
        help="stop at the server's current WAL position instead of after --timeout seconds",
    )
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument(
        "--no-ack",
        action="store_true",
        help="do not acknowledge: the slot keeps the events (a dry run)",
    )
    args = parser.parse_args(argv)
    if args.create_slot:
        create_slot(args.dsn, args.slot)

    def write(events):
        for event in events:
            sys.stdout.write(json.dumps(event_json(event), sort_keys=True) + "\n")
        sys.stdout.flush()

    read_events(
        args.dsn,
        slot=args.slot,
        publication=args.publication,
        until_lsn=current_lsn(args.dsn) if args.until_current else None,
        timeout=args.timeout,
        acknowledge=not args.no_ack,
        on_events=write,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
