"""The JSON API under /api/: authentication, the one error shape, and the routers.

Every answer that is not a success is `{"code", "message", "detail"}` (ErrorOut), whether
it comes from an action (DomainError), from input validation or from authentication.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth
from ninja.utils import check_csrf

from lawtrail.access.api import router as access_router
from lawtrail.accountability.api import router as accountability_router
from lawtrail.accounts.api import router as accounts_router
from lawtrail.accounts.models import ApiToken, User
from lawtrail.archive.api import router as archive_router
from lawtrail.cases.api import router as cases_router
from lawtrail.compliance.api import router as compliance_router
from lawtrail.devices.api import router as devices_router
from lawtrail.documents.api import router as documents_router
from lawtrail.evidence.api import router as evidence_router
from lawtrail.ledger.api import router as ledger_router
from lawtrail.lib.errors import DomainError, Forbidden
from lawtrail.lib.faults import storage_fault
from lawtrail.registers.api import router as registers_router
from lawtrail.retention.api import router as retention_router
from lawtrail.review.api import router as review_router
from lawtrail.search.api import router as search_router
from lawtrail.web.api import router as inbox_router

# A real token is "lt_" + 43 characters; anything far longer is not worth hashing.
_MAX_TOKEN_LENGTH = 200


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` for scripts; the token is looked up by its digest."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        token = token.strip()
        if not token or len(token) > _MAX_TOKEN_LENGTH:
            return None
        found = (ApiToken.objects.select_related("user")
                 .filter(digest=ApiToken.digest_of(token), user__is_active=True).first())
        if found is None:
            return None
        request.auth_user = found.user  # type: ignore[attr-defined]
        return found.user


class SessionAuth(NinjaSessionAuth):
    """The browser's session, with CSRF enforced for unsafe methods.

    Unlike ninja's own, CSRF is checked only once a session user exists: an anonymous
    request must be told 401 (sign in), not 403 (CSRF), and a bearer-token request has no
    CSRF token to show.
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise Forbidden("csrf_failed", "CSRF 校验失败,请刷新页面后重试")
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = request.user
        if isinstance(user, User) and user.is_authenticated and user.is_active:
            request.auth_user = user  # type: ignore[attr-defined]
            return user
        return None


logger = logging.getLogger(__name__)


class Utf8JSONRenderer(JSONRenderer):
    """JSON as UTF-8 text: a person reading a reply (or a log of one) sees 案号, not \\u6848\\u53f7."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="LawTrail API",
    version="1",
    description="LawTrail 行政执法全过程记录系统 JSON API。错误一律返回 {code, message, detail}。",
    urls_namespace="api",
    # Bearer first: a script's request carries no CSRF token, so it must not reach the session check.
    auth=[BearerTokenAuth(), SessionAuth()],
    renderer=Utf8JSONRenderer(),
)


def _error(request: HttpRequest, status: int, code: str, message: str,
           detail: dict[str, Any] | None = None) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, "detail": detail or {}},
                               status=status)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    response = _error(request, exc.status, exc.code, exc.message, exc.detail)
    if "retry_after" in exc.detail:  # busy or rate-limited (lawtrail/lib/limits.py): when to come back
        response["Retry-After"] = str(exc.detail["retry_after"])
    return response


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def _location(loc: Any) -> list[Any]:
    parts = list(_jsonable(loc)) if isinstance(loc, list | tuple) else [str(loc)]
    # ninja puts the view's body parameter name after "body"; clients know the field, not our name.
    if len(parts) >= 2 and parts[0] == "body":
        del parts[1]
    return parts


# pydantic's error types in Chinese; {name} is filled from the error's context.
VALIDATION_MESSAGES = {
    "missing": "必须填写", "string_type": "应为文本", "string_too_short": "不能少于 {min_length} 个字符",
    "string_too_long": "不能超过 {max_length} 个字符", "string_pattern_mismatch": "格式不正确",
    "int_type": "应为整数", "int_parsing": "应为整数", "int_from_float": "应为整数", "float_type": "应为数字",
    "float_parsing": "应为数字", "decimal_parsing": "应为数字", "decimal_type": "应为数字",
    "bool_type": "应为是或否", "bool_parsing": "应为是或否",
    "date_type": "应为日期(如 2026-05-01)", "date_parsing": "应为日期(如 2026-05-01)",
    "date_from_datetime_parsing": "应为日期(如 2026-05-01)",
    "datetime_type": "应为时间(如 2026-05-01T09:30:00+08:00)",
    "datetime_parsing": "应为时间(如 2026-05-01T09:30:00+08:00)",
    "datetime_from_date_parsing": "应为时间(如 2026-05-01T09:30:00+08:00)",
    "timezone_aware": "时间须带时区(如 +08:00)",
    "literal_error": "应为以下取值之一:{expected}", "enum": "应为以下取值之一:{expected}",
    "greater_than": "应大于 {gt}", "greater_than_equal": "不能小于 {ge}", "less_than": "应小于 {lt}",
    "less_than_equal": "不能大于 {le}", "list_type": "应为列表", "dict_type": "应为对象", "model_type": "应为对象",
    "model_attributes_type": "应为对象", "too_short": "至少需要 {min_length} 项", "too_long": "最多 {max_length} 项",
    "extra_forbidden": "不允许的字段", "json_invalid": "不是有效的 JSON", "uuid_parsing": "格式不正确",
}


def _chinese_message(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    if kind == "value_error":  # our own validators raise ValueError with a Chinese message
        return str(error.get("msg", "")).removeprefix("Value error, ") or "取值无效"
    template = VALIDATION_MESSAGES.get(kind, "取值无效")
    try:
        return template.format(**{k: _jsonable(v) for k, v in (error.get("ctx") or {}).items()})
    except (KeyError, IndexError):
        return template.split("{", 1)[0].rstrip(":") or "取值无效"


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    # pydantic's error context may hold Decimals or exceptions: keep only what a client can use;
    # its English message gives way to a Chinese one, its type stays as the stable code.
    errors = [{"loc": _location(e.get("loc", [])), "msg": _chinese_message(e), "type": str(e.get("type", ""))}
              for e in exc.errors]
    # "body"/"query" is where the field came from; the client knows the field by its own name.
    parts = dict.fromkeys(" ".join(filter(None, [".".join(str(p) for p in (e["loc"][1:] or e["loc"])), str(e["msg"])]))
                          for e in errors)
    message = "请求参数无效" + (":" + ";".join(parts) if parts else "")
    return _error(request, 422, "invalid_input", message, {"errors": errors})


_HTTP_ERRORS = {
    400: ("bad_request", "请求格式错误,无法解析请求内容"),
    401: ("unauthenticated", "未登录或令牌无效,请先登录或提供有效的 API 令牌"),
    403: ("forbidden", "无权执行此操作"),
    404: ("not_found", "请求的资源不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    429: ("throttled", "请求过于频繁,请稍后再试"),
}


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code, message = _HTTP_ERRORS.get(exc.status_code, ("http_error", "请求无法处理"))
    detail = {"reason": exc.message} if settings.DEBUG else {}
    return _error(request, exc.status_code, code, message, detail)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    code, message = _HTTP_ERRORS[401]
    response = _error(request, 401, code, message)
    response["WWW-Authenticate"] = 'Bearer realm="lawtrail"'
    return response


@api.exception_handler(AuthorizationError)
def _forbidden(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
    code, message = _HTTP_ERRORS[403]
    return _error(request, 403, code, message)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    code, message = _HTTP_ERRORS[404]
    return _error(request, 404, code, message)


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return _error(request, 413, "body_too_large", "请求内容过大,超过服务器允许的大小;音像资料请用分段上传接口",
                  {"limit_bytes": limit} if limit else {})


@api.exception_handler(Exception)
def _storage(request: HttpRequest, exc: Exception) -> HttpResponse:
    # A full disk or a read-only data directory is the machine's fault, not a bug: the client gets
    # the JSON error with a stable code (the action's transaction rolled back, nothing kept).
    fault = storage_fault(exc)
    if fault is None:
        raise exc
    logger.error("storage fault on %s %s: %s", request.method, request.path, fault.__cause__)
    return _error(request, fault.status, fault.code, fault.message)


api.add_router("", accounts_router)
api.add_router("", cases_router)
api.add_router("", documents_router)
api.add_router("", evidence_router)
api.add_router("", retention_router)
api.add_router("", archive_router)
api.add_router("", access_router)
api.add_router("", ledger_router)
api.add_router("", compliance_router)
api.add_router("", devices_router)
api.add_router("", registers_router)
api.add_router("", review_router)
api.add_router("", accountability_router)
api.add_router("", search_router)
api.add_router("", inbox_router)

# Mounted last, so it only sees paths no other route matched: those get the JSON error
# shape too instead of Django's HTML 404 page.
_fallback = Router(auth=None)


_ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


@_fallback.api_operation(_ALL_METHODS, "", include_in_schema=False)
def api_root(request: HttpRequest) -> HttpResponse:
    return _error(request, 404, "not_found", "接口不存在,接口说明见 /api/docs", {"path": request.path})


@_fallback.api_operation(_ALL_METHODS, "/{path:rest}", include_in_schema=False)
def unknown_endpoint(request: HttpRequest, rest: str) -> HttpResponse:
    return _error(request, 404, "not_found", "接口不存在,接口说明见 /api/docs", {"path": request.path})


api.add_router("", _fallback)
