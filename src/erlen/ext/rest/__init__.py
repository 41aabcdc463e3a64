"""REST APIs from resource classes: Flask-RESTful's API on erlen.

::

    from erlen import Erlen
    from erlen.ext.rest import Api, Resource, reqparse

    app = Erlen(__name__)
    api = Api(app)

    class User(Resource):
        def get(self, user_id):
            return users[user_id], 200

        def post(self, user_id):
            parser = reqparse.RequestParser()
            parser.add_argument("name")        # from a JSON or a form body
            users[user_id] = {"name": parser.parse_args()["name"]}
            return users[user_id], 201

    api.add_resource(User, "/user/<int:user_id>")

Resources return data (plus status and headers); the :class:`Api` renders it
by the ``Accept`` header (JSON by default) and answers errors raised in its
resources as ``{"message": ...}`` JSON. :mod:`.reqparse` reads arguments,
:mod:`.fields` with :func:`marshal` shapes output, :mod:`.inputs` converts
argument values. Works under WSGI and ASGI; handlers may be ``async def``.
"""

from __future__ import annotations

from . import fields as fields
from . import inputs as inputs
from . import reqparse as reqparse
from .api import DEFAULT_REPRESENTATIONS as DEFAULT_REPRESENTATIONS
from .api import Api as Api
from .marshal import marshal as marshal
from .marshal import marshal_with as marshal_with
from .marshal import marshal_with_field as marshal_with_field
from .representations import output_json as output_json
from .resource import Resource as Resource
from .utils import OrderedDict as OrderedDict
from .utils import abort as abort
from .utils import http_status_message as http_status_message
from .utils import unpack as unpack

__all__ = [
    "DEFAULT_REPRESENTATIONS",
    "Api",
    "OrderedDict",
    "Resource",
    "abort",
    "fields",
    "http_status_message",
    "inputs",
    "marshal",
    "marshal_with",
    "marshal_with_field",
    "output_json",
    "reqparse",
    "unpack",
]
