from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "integrations.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A dealer's API key, sent as `Authorization: Api-Key <key>`. Keys are created by "
            "`manage.py create_api_key --dealer CODE` or on /integrations/api-keys/ and shown once.",
        }
