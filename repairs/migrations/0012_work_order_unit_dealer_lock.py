# A work order inserted while its unit's dealer (or its call's unit) is being changed in another
# transaction must not keep the old dealer: the insert's read of the call and the unit now takes FOR SHARE
# row locks, so it waits for such a change to commit and reads its result, and a change that starts later
# waits for the insert and then finds the new order (the follow triggers of 0011). Updates need no lock: the
# follow triggers update the work order row itself, which serialises with any update of it.

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION repairs_workorder_set_unit_dealer() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.call_id IS DISTINCT FROM OLD.call_id THEN
        SELECT u.dealer_id INTO NEW.unit_dealer_id
          FROM repairs_repaircall c JOIN repairs_productunit u ON u.id = c.unit_id
         WHERE c.id = NEW.call_id
           FOR SHARE OF c, u;
    ELSE
        SELECT u.dealer_id INTO NEW.unit_dealer_id
          FROM repairs_repaircall c JOIN repairs_productunit u ON u.id = c.unit_id
         WHERE c.id = NEW.call_id;
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
"""
PREVIOUS = """
CREATE OR REPLACE FUNCTION repairs_workorder_set_unit_dealer() RETURNS trigger AS $$
BEGIN
    SELECT u.dealer_id INTO NEW.unit_dealer_id
      FROM repairs_repaircall c JOIN repairs_productunit u ON u.id = c.unit_id
     WHERE c.id = NEW.call_id;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("repairs", "0011_work_order_unit_dealer")]

    operations = [migrations.RunSQL(FUNCTION, PREVIOUS)]
