"""The identity context's permissions; the roles holding them are declared on IdentityConfig."""

# Held by every role: for actions on one's own account (logout everywhere, password change).
MANAGE_OWN_ACCOUNT = "identity.manage_own_account"
