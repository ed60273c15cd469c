-- A neutralized copy is never production, even when it was restored with the
-- production database's UUID (the mark is bound to it).
DELETE FROM ir_config_parameter
 WHERE key = 'logistics_integration_base.production_database_uuid';

-- Call no external system (TMS, carrier, customer) until someone re-enables
-- its endpoint; calls to an archived endpoint are refused.
UPDATE logistics_endpoint
   SET active = false
 WHERE active;
