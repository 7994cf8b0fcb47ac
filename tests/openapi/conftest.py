from tests.openapi.throwaway_server import kubectl, openapi_server, run_kubectl  # noqa: F401
