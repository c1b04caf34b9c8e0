-- WhatsApp message templates: the WhatsApp Business Account a number
-- belongs to, the local copy of that account's templates (refreshed from
-- Graph, and by its template webhooks), and the users who stopped marketing
-- messages (131050), so marketing templates to them are refused before Graph.

-- +goose Up
ALTER TABLE whatsapp_numbers ADD COLUMN waba_id TEXT NOT NULL DEFAULT '';

CREATE TABLE wa_templates (
    waba_id     TEXT NOT NULL,
    name        TEXT NOT NULL,
    language    TEXT NOT NULL,
    id          TEXT NOT NULL DEFAULT '',   -- Graph's id of the template
    category    TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT '',
    components  TEXT NOT NULL DEFAULT '[]', -- JSON, as Graph lists them
    parameter_format TEXT NOT NULL DEFAULT '',
    quality     TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL DEFAULT '',   -- why it was rejected or paused
    updated_at  BIGINT NOT NULL,            -- ms
    PRIMARY KEY (waba_id, name, language)
) WITHOUT ROWID;

CREATE TABLE wa_marketing_optouts (
    bot_id  TEXT NOT NULL,
    contact TEXT NOT NULL,
    at      BIGINT NOT NULL,                -- ms
    PRIMARY KEY (bot_id, contact)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE wa_marketing_optouts;
DROP TABLE wa_templates;
ALTER TABLE whatsapp_numbers DROP COLUMN waba_id;
