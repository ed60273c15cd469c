from openapi_spec_validator import validate

from logistics_portal_api.lib import openapi


def test_description_is_valid_openapi_3_1():
    document = openapi.build_document()
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_request_bodies_are_the_validation_schemas():
    schemas = openapi.build_document()["components"]["schemas"]
    submission = schemas["OrderSubmission"]
    assert submission["required"] == ["customer_reference", "lines"]
    assert submission["properties"]["lines"]["minItems"] == 1
    post_orders = openapi.build_document()["paths"]["/orders"]["post"]
    assert post_orders["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/OrderSubmission"
    }
    assert {p["name"] for p in post_orders["parameters"]} == {"Idempotency-Key"}


def test_every_route_documents_errors_and_scope():
    for path, operations in openapi.build_document()["paths"].items():
        for method, operation in operations.items():
            assert "422" in operation["responses"], (method, path)
            assert operation["security"][1]["oauth2"], (method, path)
