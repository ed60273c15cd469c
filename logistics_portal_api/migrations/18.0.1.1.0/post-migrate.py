"""Customer webhook endpoints of a production database become production.

They were made as test endpoints, which the production guard never applies to:
a copy of the database would have called the customers' systems.
"""


def migrate(cr, version):
    cr.execute(
        """UPDATE logistics_endpoint
              SET environment = 'production'
            WHERE system = 'customer'
              AND environment = 'test'
              AND EXISTS (
                  SELECT 1
                    FROM ir_config_parameter mark
                    JOIN ir_config_parameter db
                      ON db.key = 'database.uuid' AND db.value = mark.value
                   WHERE mark.key =
                         'logistics_integration_base.production_database_uuid'
              )"""
    )
