from ocg.identity.permissions import MANAGE_OWN_ACCOUNT
from ocg.spine import contexts


class IdentityConfig(contexts.ContextConfig):
    name = "ocg.identity"
    label = "identity"
    permissions = {MANAGE_OWN_ACCOUNT: ("customer", "designer", "admin")}
    benchmarks = {"auth": "ocg.identity.bench.run"}
    demo_data = "ocg.identity.seed"

    def ready(self) -> None:
        from ocg.identity import cached_users  # noqa: F401 - connects the signals that keep its cache true
        from ocg.identity.sign_in import register_surfaces

        register_surfaces()
