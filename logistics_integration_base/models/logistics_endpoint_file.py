import os

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import config

from ..lib import errors, file_transport

# Where folder targets may write: server configuration, never the database (a
# database user must not be able to write files anywhere on the server).
FILE_ROOTS_OPTION = "logistics_file_roots"
FILE_ROOTS_ENVIRONMENT = "LOGISTICS_FILE_ROOTS"
DEFAULT_FILE_ROOT = "logistics_files"  # under Odoo's data directory
FILE_PROTOCOLS = ("folder", "sftp")
SSH_KEY_SECRET = "ssh_private_key"


def file_roots():
    """The folders (real paths) under which folder targets may write."""
    text = config.get(FILE_ROOTS_OPTION) or os.environ.get(FILE_ROOTS_ENVIRONMENT)
    if text:
        roots = [
            part.strip() for part in text.replace(",", os.pathsep).split(os.pathsep)
        ]
    else:
        roots = [os.path.join(config["data_dir"], DEFAULT_FILE_ROOT)]
    return [os.path.realpath(root) for root in roots if root]


# One model, one file per seam (see logistics_endpoint.py): merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class LogisticsEndpoint(models.Model):
    """File endpoints: a folder on the server or a directory over SFTP, for
    flows that exchange files (analytics feeds, EDI)."""

    _inherit = "logistics.endpoint"

    system = fields.Selection(
        selection_add=[("analytics", "Analytics tool (files)")],
        ondelete={"analytics": "cascade"},
    )
    protocol = fields.Selection(
        selection_add=[
            ("folder", "Files in a folder of the server"),
            ("sftp", "Files over SFTP"),
        ],
        ondelete={"folder": "cascade", "sftp": "cascade"},
    )
    file_directory = fields.Char(
        string="Folder",
        tracking=True,
        help="Folder protocol: the absolute path of a folder on the server, under "
        "one of the roots of the server option logistics_file_roots. SFTP: the "
        "directory on the SFTP server (relative to the user's home, or absolute).",
    )
    sftp_host = fields.Char(string="SFTP host", tracking=True)
    sftp_port = fields.Integer(
        string="SFTP port", default=file_transport.DEFAULT_SFTP_PORT
    )
    sftp_host_key = fields.Char(
        string="SFTP host key",
        tracking=True,
        help="The server's public host key, e.g. 'ssh-ed25519 AAAA...' (from "
        "ssh-keyscan or the server's .pub file). A server presenting another key "
        "is refused. The private key of the user is a secret of kind "
        "'SSH private key'; the user is the Username field.",
    )

    @api.constrains("protocol", "file_directory", "sftp_host", "sftp_host_key")
    def _check_file_target(self):
        for endpoint in self.filtered(lambda e: e.protocol in FILE_PROTOCOLS):
            if endpoint.protocol == "folder":
                endpoint._check_folder_path()
            elif not (endpoint.sftp_host and endpoint.sftp_host_key):
                raise ValidationError(
                    _(
                        "SFTP endpoint %s needs a host and the server's host key.",
                        endpoint.name,
                    )
                )
            else:
                try:
                    file_transport.parse_host_key(endpoint.sftp_host_key)
                except errors.PermanentError as err:
                    raise ValidationError(str(err)) from err

    def _check_folder_path(self, path=None):
        """The folder (the endpoint's, or `path`) must lie under a configured
        root (server option); return its real path."""
        self.ensure_one()
        path = path or self.file_directory or ""
        real = os.path.realpath(path) if os.path.isabs(path) else None
        roots = file_roots()
        if not real or not any(
            real == root or real.startswith(root + os.sep) for root in roots
        ):
            raise ValidationError(
                _(
                    "Endpoint %(name)s: the folder must be an absolute path under "
                    "%(roots)s (server option %(option)s).",
                    name=self.name,
                    roots=", ".join(roots),
                    option=FILE_ROOTS_OPTION,
                )
            )
        return real

    def _file_target(self, directory=None):
        """The `file_transport` target of this endpoint, every safeguard checked
        (archived, production guard, rate limit, folder under a root); in
        `directory` instead of the endpoint's own folder when given (a flow
        that reads from one folder and writes to another)."""
        self.ensure_one()
        self._check_callable()
        directory = directory or self.file_directory
        if self.protocol == "folder":
            try:
                path = self._check_folder_path(directory)
            except ValidationError as err:
                raise errors.PermanentError(
                    str(err), system=file_transport.FOLDER_SYSTEM
                ) from err
            return file_transport.FolderTarget(path)
        if self.protocol == "sftp":
            return file_transport.SftpTarget(
                self.sftp_host,
                port=self.sftp_port,
                username=self.username,
                private_key=self._secret(SSH_KEY_SECRET),
                host_key=self.sftp_host_key,
                directory=directory or ".",
                timeout=self.read_timeout,
            )
        raise errors.PermanentError(
            _("Endpoint %s is not a file endpoint (folder or SFTP).", self.name),
            system=self.system,
        )
