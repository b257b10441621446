"""Authentication settings derived from the environment, factored out so they can be tested."""

TIES_PROVIDER_ID = "ties"


def socialaccount_providers(*, ties_server_url: str, ties_client_id: str, ties_client_secret: str) -> dict:
    """allauth's SOCIALACCOUNT_PROVIDERS: the "ITU account (TIES)" OpenID Connect app, or none.

    The letter lets participants register "with your TIES log-in credentials"; the provider is
    switched on only when its server URL, client id and secret are all configured, so a
    half-configured deployment shows no broken "Sign in with TIES" button. Every authorization
    request carries a PKCE challenge (S256): the provider may require one, and it binds the code
    to the browser that asked for it.
    """
    apps = []
    if ties_server_url and ties_client_id and ties_client_secret:
        apps.append(
            {
                "provider_id": TIES_PROVIDER_ID,
                "name": "ITU account (TIES)",
                "client_id": ties_client_id,
                "secret": ties_client_secret,
                "settings": {"server_url": ties_server_url, "oauth_pkce_enabled": True},
            }
        )
    return {"openid_connect": {"APPS": apps}}


def ties_enabled(providers: dict) -> bool:
    return bool(providers.get("openid_connect", {}).get("APPS"))
