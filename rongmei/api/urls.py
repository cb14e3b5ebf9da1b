from ninja import NinjaAPI

api = NinjaAPI(title="Rongmei API", version="1", urls_namespace="api")
