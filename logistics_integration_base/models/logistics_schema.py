import functools
import os

from odoo import api, models, tools
from odoo.modules.module import get_module_path

from ..lib import errors
from ..lib.schema import SchemaRegistry

SCHEMA_FOLDER = "schemas"


@functools.cache
def _registry(folder):
    return SchemaRegistry(folder)


class LogisticsSchema(models.AbstractModel):
    """The canonical JSON Schemas shipped in the `schemas/` folder of each addon."""

    _name = "logistics.schema"
    _description = "Canonical JSON Schemas"

    @api.model
    def _registries(self):
        return [_registry(folder) for folder in self._schema_folders()]

    @api.model
    @tools.ormcache()
    def _schema_folders(self):
        """Schema folders of the installed `logistics_*` addons, looked up once.

        Installing or removing a module reloads the registry, which clears
        this cache: the hot path (every message validated) runs no query.
        """
        modules = (
            self.env["ir.module.module"]
            .sudo()
            .search([("name", "=like", "logistics_%"), ("state", "=", "installed")])
        )
        folders = (
            os.path.join(get_module_path(name) or "", SCHEMA_FOLDER)
            for name in sorted(modules.mapped("name"))
        )
        return tuple(folder for folder in folders if os.path.isdir(folder))

    @api.model
    def _validate(self, name, version, payload, registry=None):
        """Raise `errors.SchemaViolation` (path + reason) or `PermanentError`.

        :param registry: the registry `_registry_of` found for the schema, when
            the caller validates many payloads against it
        """
        registry = registry or self._registry_of(name, version)
        if registry is None:
            raise errors.PermanentError("Unknown schema %s v%s" % (name, version))
        registry.validate(name, version, payload)

    @api.model
    def _registry_of(self, name, version):
        """The registry holding schema `name` v`version`, or None."""
        for registry in self._registries():
            if (name, int(version)) in registry.available():
                return registry
        return None
