from ocg.identity.permissions import MANAGE_OWN_ACCOUNT
from ocg.spine import contexts
from ocg.spine.errors import register_error_statuses

# Codes the spine does not know; every other identity error uses a generic code (invalid, not_found, ...).
ERROR_STATUSES = {
    "weak_password": 400,
    "code_invalid": 400,
    "invalid_credentials": 401,
    "token_invalid": 401,
    "token_expired": 401,
    "token_revoked": 401,
    "token_wrong_type": 401,
    "account_disabled": 403,
    "email_taken": 409,
    "role_conflict": 409,
}


class IdentityConfig(contexts.ContextConfig):
    name = "ocg.identity"
    label = "identity"
    permissions = {MANAGE_OWN_ACCOUNT: ("customer", "designer", "admin")}
    benchmarks = {"auth": "ocg.identity.bench.run"}
    demo_data = "ocg.identity.seed"

    def ready(self) -> None:
        from ocg.identity import cached_users  # noqa: F401 - connects the signals that keep its cache true

        register_error_statuses(ERROR_STATUSES)
        from ocg.identity.authentication import bearer_subject
        from ocg.spine.ratelimit import register_request_subject

        register_request_subject(bearer_subject)
        from ocg.identity.sign_in import register_surfaces

        register_surfaces()
