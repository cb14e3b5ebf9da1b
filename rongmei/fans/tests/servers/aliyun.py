"""A local stand-in for Aliyun SMS (dysmsapi) ``SendSms``, written from the public API document,
that checks what the real service checks before anything is sent: the common parameters, the
AccessKeyId, a fresh SignatureNonce, a recent Timestamp and the HMAC-SHA1 signature (computed here
on its own, not with the adapter's code). Answers in the documented shapes:
{"Code": "OK", "Message": "OK", "BizId", "RequestId"}, or a Code such as SignatureDoesNotMatch,
isv.MOBILE_NUMBER_ILLEGAL, isv.BUSINESS_LIMIT_CONTROL.

Faults (see ContractServer): None, "500", "timeout", "drop", and "rate" (the business rate limit, isv.BUSINESS_LIMIT_CONTROL).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
from urllib.parse import quote

from rongmei.distribution.tests.servers.contract import ContractServer, Request

ACCESS_KEY_ID = "LTAI5tTestKeyId"
ACCESS_KEY_SECRET = "test-secret-0123456789"
SIGN_NAME = "云上泌阳"
TEMPLATE_CODE = "SMS_123456789"
COMMON = {"Action": "SendSms", "Version": "2017-05-25", "Format": "JSON", "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0"}


def _enc(value: str) -> str:
    return quote(value, safe="~")


class AliyunSms(ContractServer):
    def __init__(self, *, unreachable_numbers: frozenset[str] = frozenset({"13900000000"}), templates: dict | None = None) -> None:
        super().__init__()
        self.unreachable_numbers = unreachable_numbers
        # Template code -> the names of its variables, as registered in the Aliyun console.
        self.templates = templates or {TEMPLATE_CODE: {"code"}}
        self.sent: list[dict] = []  # {"phone", "code", "sign_name", "template"} of each accepted message
        self.nonces: set[str] = set()

    def _answer(self, code: str, message: str, status: int = 200, **extra) -> tuple[int, dict]:
        return status, {"Code": code, "Message": message, "RequestId": f"REQ-{next(self.ids)}", **extra}

    def fault_answer(self, fault: str) -> tuple[int, dict]:
        return self._answer("isv.BUSINESS_LIMIT_CONTROL", "触发小时级流控Permits:5")

    def handle(self, request: Request) -> tuple[int, dict]:
        if request.method != "POST" or request.path != "/":
            return self._answer("InvalidAction.NotFound", "Specified api is not found", 404)
        params = request.form()
        for name, value in COMMON.items():
            if params.get(name) != value:
                return self._answer("MissingParameter" if name not in params else "InvalidParameter", f"{name} is mandatory/invalid", 400)
        if params.get("AccessKeyId") != ACCESS_KEY_ID:
            return self._answer("InvalidAccessKeyId.NotFound", "Specified access key is not found.", 404)
        nonce = params.get("SignatureNonce", "")
        if not nonce or nonce in self.nonces:
            return self._answer("SignatureNonceUsed", "Specified signature nonce was used already.", 400)
        try:
            stamp = dt.datetime.strptime(params.get("Timestamp", ""), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        except ValueError:
            return self._answer("InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.", 400)
        if abs((dt.datetime.now(dt.UTC) - stamp).total_seconds()) > 900:
            return self._answer("InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.", 400)
        canonical = "&".join(f"{_enc(k)}={_enc(v)}" for k, v in sorted(params.items()) if k != "Signature")
        to_sign = f"{request.method}&{_enc('/')}&{_enc(canonical)}"
        expected = base64.b64encode(hmac.new(f"{ACCESS_KEY_SECRET}&".encode(), to_sign.encode(), hashlib.sha1).digest()).decode()
        if not hmac.compare_digest(expected, params.get("Signature", "")):
            return self._answer("SignatureDoesNotMatch", "Specified signature is not matched with our calculation.", 400)
        self.nonces.add(nonce)
        phone = params.get("PhoneNumbers", "")
        if not re.fullmatch(r"1[3-9]\d{9}", phone) or phone in self.unreachable_numbers:
            return self._answer("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        if params.get("SignName") != SIGN_NAME:
            return self._answer("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
        if params.get("TemplateCode") not in self.templates:
            return self._answer("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        try:
            variables = json.loads(params.get("TemplateParam", ""))
        except ValueError:
            return self._answer("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
        if set(variables) != set(self.templates[params["TemplateCode"]]):
            return self._answer("isv.TEMPLATE_MISSING_PARAMETERS", "模板变量缺少对应参数值")
        self.sent.append(
            {
                "phone": phone,
                "code": variables.get("code"),
                "variables": variables,
                "sign_name": params["SignName"],
                "template": params["TemplateCode"],
            }
        )
        return self._answer("OK", "OK", BizId=f"{900000 + len(self.sent)}^0")
