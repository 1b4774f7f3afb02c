from ocg.spine import contexts


class BackofficeConfig(contexts.ContextConfig):
    name = "ocg.backoffice"
    label = "backoffice"
