from tests.openapi.throwaway_server import kubectl, openapi_server  # noqa: F401
