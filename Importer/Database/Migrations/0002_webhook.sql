-- Webhook delivery of appointment events to an external reminder engine (docs/importer.md, "Webhook").
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id            bigserial PRIMARY KEY,
    url           text NOT NULL,
    first_event   bigint NOT NULL,
    last_event    bigint NOT NULL,
    events        int NOT NULL,
    attempts      int NOT NULL,
    status_code   int,
    delivered     boolean NOT NULL,
    error         text,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_events ON webhook_deliveries (first_event, last_event);
