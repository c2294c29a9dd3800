from ninja import NinjaAPI

api = NinjaAPI(title="LawTrail API", version="1", urls_namespace="api")
