from ocg.spine import contexts


class NegotiationConfig(contexts.ContextConfig):
    name = "ocg.negotiation"
    label = "negotiation"
