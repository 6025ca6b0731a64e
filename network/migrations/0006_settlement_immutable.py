"""A confirmed settlement never changes, whatever code (or operator with psql) tries: the database refuses
any UPDATE of a confirmed or paid settlement except confirmed → paid (status and paid_at alone), any DELETE
of one, and any INSERT, UPDATE or DELETE of the lines and adjustments of one. TRUNCATE (test flushes) is not
affected."""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION network_settlement_frozen() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION 'settlement % is confirmed: it cannot be deleted', OLD.id USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status <> 'draft' THEN
        IF OLD.status = 'confirmed' AND NEW.status = 'paid'
           AND (to_jsonb(NEW) - 'status' - 'paid_at') = (to_jsonb(OLD) - 'status' - 'paid_at') THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'settlement % is %: it cannot change (correct it in a later month)', OLD.id, OLD.status
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION network_settlement_part_frozen() RETURNS trigger AS $$
DECLARE
    parent bigint;
BEGIN
    parent := CASE WHEN TG_OP = 'DELETE' THEN OLD.settlement_id ELSE NEW.settlement_id END;
    IF EXISTS (SELECT 1 FROM network_settlement WHERE id = parent AND status <> 'draft')
       OR (TG_OP = 'UPDATE' AND EXISTS (
           SELECT 1 FROM network_settlement WHERE id = OLD.settlement_id AND status <> 'draft')) THEN
        RAISE EXCEPTION '% of a confirmed settlement cannot change', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER network_settlement_frozen BEFORE UPDATE OR DELETE ON network_settlement
    FOR EACH ROW EXECUTE FUNCTION network_settlement_frozen();
CREATE TRIGGER network_settlementline_frozen BEFORE INSERT OR UPDATE OR DELETE ON network_settlementline
    FOR EACH ROW EXECUTE FUNCTION network_settlement_part_frozen();
CREATE TRIGGER network_adjustment_frozen BEFORE INSERT OR UPDATE OR DELETE ON network_adjustment
    FOR EACH ROW EXECUTE FUNCTION network_settlement_part_frozen();
"""

REVERSE = """
DROP TRIGGER IF EXISTS network_adjustment_frozen ON network_adjustment;
DROP TRIGGER IF EXISTS network_settlementline_frozen ON network_settlementline;
DROP TRIGGER IF EXISTS network_settlement_frozen ON network_settlement;
DROP FUNCTION IF EXISTS network_settlement_part_frozen();
DROP FUNCTION IF EXISTS network_settlement_frozen();
"""


class Migration(migrations.Migration):
    dependencies = [("network", "0005_settlements")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
