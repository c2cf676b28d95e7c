"""Every frame type: inbound parsing and validation, outbound building, size limits; the close
codes and the catalogue of every error a client can see (static/js/shared/codes.js holds the
browsers' copy of the codes)."""

import re
import string
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import orjson

from .errors import ProtocolError, ZhengnaError

Check = Callable[[Any], Any]  # validates one field's value: returns it cleaned or raises ValueError


class CloseCode(IntEnum):
    """The WebSocket close codes the browsers tell apart (4000-4999: RFC 6455's own range)."""

    NORMAL = 1000
    RESTART = 1012  # RFC 6455 "service restart": the client reconnects at once
    TOKEN_MISSING = 4001  # also: the first frame was not an authentication frame
    TOKEN_INVALID = 4002
    TOKEN_EXPIRED = 4003
    WRONG_SITE = 4004
    CREDENTIAL = 4005  # the credential or console login is no longer valid: authenticate again
    REGION = 4006  # no operations centre serves the person's tax office
    AUTH_TIMEOUT = 4008
    HEARTBEAT = 4009
    ROLE_REFUSED = 4010  # the site does not serve this role
    TOO_MANY = 4011  # too many sockets for one credential (WS_MAX_PER_CREDENTIAL): retry later


@dataclass(frozen=True)
class Entry:
    """One error as clients see it: texts (str.format fields fill in values), HTTP status, and the
    close code when the error ends the socket."""

    zh: str
    en: str
    status: int = 400
    close: CloseCode | None = None

    def fields(self) -> set[str]:
        """Return the names of the format fields the two texts use."""
        return {
            name
            for text in (self.zh, self.en)
            for _, name, _, _ in string.Formatter().parse(text)
            if name
        }


def code_of(key: str) -> str:
    """Return the wire code of a catalogue key: the key up to its first dot (not_found.site ->
    not_found); the rest tells apart the texts of one code."""
    return key.partition(".")[0]


_E = Entry
# key -> what the client sees. Keys are raised by name (ZhengnaError("not_found.site")); the code on
# the wire is code_of(key). Nothing else in widget/ spells an error text or a close code.
ERRORS: dict[str, Entry] = {
    # -- frames (protocol.parse, the receive loop) -----------------------------------------------
    "binary_frame": _E("不支持二进制消息。", "Binary frames are not accepted."),
    "frame_too_large": _E(
        "消息过大（上限 {max_bytes} 字节）。", "The frame is larger than {max_bytes} bytes."
    ),
    "bad_json": _E("消息不是有效的 JSON。", "The frame is not valid JSON."),
    "bad_frame": _E("消息缺少 type 字段。", "The frame has no type."),
    "unknown_type": _E("不支持的消息类型：{kind}", "Unknown frame type: {kind}"),
    "bad_field.unexpected": _E("不认识的字段：{name}", "Unexpected field: {name}"),
    "bad_field.missing": _E("缺少字段：{name}", "Missing field: {name}"),
    "bad_field.invalid": _E("字段 {name} 不正确：{reason}", "Field {name} {reason}."),
    "rate_limited": _E("操作太频繁，请稍后再试。", "Too many requests; please slow down.", 429),
    "illegal_transition": _E(
        "当前状态“{state}”下不能执行“{event}”。",
        "Cannot {event} while the interaction is {state}.",
        409,
    ),
    "busy": _E("系统繁忙，请重试。", "The service is busy; please try again."),
    # -- handshake and authentication (the socket closes with the entry's close code) ------------
    "origin_not_allowed.site": _E(
        "此页面未获准使用征纳互动。", "This page's origin may not use the service.", 403
    ),
    "origin_not_allowed.console": _E("来源不被允许。", "Origin not allowed.", 403),
    "too_many_connections.address": _E(
        "来自此地址的连接过多，请关闭部分页面后重试。",
        "Too many connections from this address; close some pages and try again.",
        429,
    ),
    "too_many_connections": _E(
        "同时打开的页面过多，请关闭部分页面后重试。",
        "Too many windows are open for this session; close some and try again.",
        401,
        CloseCode.TOO_MANY,
    ),
    "auth_timeout": _E(
        "连接超时，请刷新页面。",
        "No identity was sent in time; reload the page.",
        close=CloseCode.AUTH_TIMEOUT,
    ),
    "token_missing": _E(
        "缺少身份令牌，请重新登录电子税务局。",
        "No identity token; please sign in to the tax site again.",
        401,
        CloseCode.TOKEN_MISSING,
    ),
    "token_invalid": _E(
        "身份令牌无效，请重新登录电子税务局。",
        "The identity token is not valid; please sign in to the tax site again.",
        401,
        CloseCode.TOKEN_INVALID,
    ),
    "token_kid": _E(
        "身份令牌缺少密钥编号（kid）。",
        "The token names no signing key (kid header).",
        401,
        CloseCode.TOKEN_INVALID,
    ),
    "token_lifetime": _E(
        "身份令牌有效期超出站点规定。",
        "The token lives longer than this site allows.",
        401,
        CloseCode.TOKEN_INVALID,
    ),
    "bad_tin": _E(
        "纳税人识别号格式不正确。",
        "The taxpayer id in the token is not valid.",
        401,
        CloseCode.TOKEN_INVALID,
    ),
    "bad_claims": _E(
        "身份令牌的字段 {claim} 类型不正确。",
        "The token's claim {claim} has the wrong type.",
        401,
        CloseCode.TOKEN_INVALID,
    ),
    "token_expired": _E(
        "身份令牌已过期，请刷新页面。",
        "Your identity token has expired; please reload the page.",
        401,
        CloseCode.TOKEN_EXPIRED,
    ),
    "wrong_site": _E(
        "身份令牌不属于本站点。",
        "This token was issued for another site.",
        401,
        CloseCode.WRONG_SITE,
    ),
    "wrong_site.unknown": _E("站点不存在。", "Unknown site.", 401, CloseCode.WRONG_SITE),
    "wrong_site.session": _E(
        "会话不属于本站点。", "This session belongs to another site.", 401, CloseCode.WRONG_SITE
    ),
    "credential_expired": _E(
        "会话已过期，请刷新页面。",
        "Your session has expired; reload the page.",
        401,
        CloseCode.CREDENTIAL,
    ),
    "credential_mismatch": _E(
        "页面上的登录身份已变更，将为当前用户重新开始。",
        "The person signed in on the page has changed; starting afresh for them.",
        401,
        CloseCode.CREDENTIAL,
    ),
    "credential_revoked": _E(
        "您已退出电子税务局，本次会话已结束。",
        "You have signed out of the tax site; this session has ended.",
        close=CloseCode.CREDENTIAL,
    ),
    "role_not_allowed": _E(
        "征纳互动仅向企业的{allowed_zh}开放，您当前登录的身份（{role}）不在其中。",
        "This service is open to an enterprise's {allowed_en}; "
        "the role you are signed in with ({role}) is not one of them.",
        401,
        CloseCode.ROLE_REFUSED,
    ),
    "role_not_allowed.none": _E(
        "征纳互动仅向企业的{allowed_zh}开放，您当前登录的身份（未注明身份）不在其中。",
        "This service is open to an enterprise's {allowed_en}; "
        "the role you are signed in with (none given) is not one of them.",
        401,
        CloseCode.ROLE_REFUSED,
    ),
    "region_unknown": _E(  # closes at authentication; a plain error once connected
        "未配置的主管税务机关代码：{code}",
        "No operations centre serves tax office {code}.",
        close=CloseCode.REGION,
    ),
    # -- the console's sign-in -------------------------------------------------------------------
    "login_required": _E("请先登录。", "Please sign in first.", 401),
    "login_required.handshake": _E("请先登录。", "Please log in first.", 401),
    "login_required.socket": _E("请重新登录。", "Please log in again.", close=CloseCode.CREDENTIAL),
    "session_ended": _E(
        "您的登录已失效（账号已变更或已退出），请重新登录。",
        "Your sign-in has ended (the account changed or signed out); please sign in again.",
        close=CloseCode.CREDENTIAL,
    ),
    "bad_login": _E("用户名或密码错误。", "Wrong username or password.", 401),
    "login_backoff": _E(
        "密码错误次数过多，请 {wait} 秒后再试。",
        "Too many wrong passwords; try again in {wait} s.",
        429,
    ),
    "csrf": _E("页面已过期，请刷新后重试。", "The page has expired; reload and try again."),
    "bad_host": _E(
        "请求的主机名不被本服务接受。",
        "This server does not answer to that host name (ALLOWED_HOSTS).",
    ),
    "forbidden.page": _E("您没有权限访问此页面。", "Your role may not use this page.", 403),
    "forbidden.reports": _E("您没有权限查看报表。", "Your role may not see reports.", 403),
    "forbidden.own_centre": _E(
        "您只能查看本运营中心的数据。", "You may see your own centre only.", 403
    ),
    "forbidden.metrics": _E(
        "监控指标只对允许的地址开放（METRICS_ALLOW）。",
        "Metrics are open only to addresses in METRICS_ALLOW.",
        403,
    ),
    "forbidden.worker": _E("拒绝访问。", "Not the media worker.", 403),
    "worker_not_allowed": _E(
        "该媒体服务地址不在允许列表中。",
        "This media worker's address is not in RTC_WORKER_ALLOW.",
        403,
    ),
    "demo_local_only": _E(
        "演示数据只对本机开放（未开启演示模式，或请求经过代理或来自其他主机）。",
        "Demo data answers only this machine (demo mode is off, or the request came "
        "through a proxy or from another host).",
        403,
    ),
    "not_your_interaction": _E("该互动不由您接待。", "You are not serving this interaction.", 403),
    # -- conversations ---------------------------------------------------------------------------
    "bot_off": _E(
        "本地区未开通智能服务，请发起人工导税。",
        "Smart service is off here; please ask for a person.",
    ),
    "not_in_bot": _E(
        "已转人工服务，请直接发送消息。",
        "You are with human service now; send a message instead.",
    ),
    "centre_closed": _E(
        "当前不在人工服务时间。{next_zh}", "Human service is closed now. {next_en}"
    ),
    "centre_closed.unscheduled": _E(
        "当前不在人工服务时间。暂无人工服务安排，请留言。",
        "Human service is closed now. No opening is scheduled; please leave a message.",
    ),
    "already_taken": _E(
        "该互动已被接入或已结束。", "Someone else has taken this task, or it has ended."
    ),
    "at_capacity": _E(
        "已同时接待 {busy} 个互动，达到上限。", "Already serving {busy} conversations, the limit."
    ),
    "bad_field.transfer_target": _E(
        "请选择一位工作人员或一个运营中心。", "Choose one agent or one centre."
    ),
    "bad_field.empty_message": _E("消息内容不能为空。", "A message needs text or an attachment."),
    "not_accepting_messages": _E(
        "当前状态下不能发送消息。", "Messages cannot be sent while the interaction is {state}."
    ),
    "not_accepting_messages.file": _E(
        "当前状态下不能发送文件。", "Files cannot be sent while the interaction is {state}."
    ),
    "rating_not_offered": _E("该互动不需要评价。", "This interaction is not open for rating."),
    "already_rated": _E(
        "您已评价过本次服务，谢谢！", "You have already rated this service. Thank you!"
    ),
    "no_active_call": _E("当前没有进行中的视频通话。", "There is no active call."),
    "media_unavailable": _E(
        "视频服务暂时不可用，请稍后再试或继续文字交流。",
        "Video is unavailable right now; try again later or keep chatting.",
    ),
    "media_unavailable.off": _E("视频服务未启用。", "Video is not enabled on this service."),
    # -- files -----------------------------------------------------------------------------------
    "empty_file": _E("文件是空的。", "The file is empty."),
    "too_large": _E("文件过大。", "The upload is too large.", 413),
    "too_large.file": _E("文件超过 {mb} MB。", "The file is larger than {mb} MB.", 413),
    "too_large.image": _E("图片尺寸过大。", "The image has too many pixels.", 413),
    "unsupported_type": _E(
        "只能发送图片（PNG、JPEG、GIF、WebP）或 PDF 文件。",
        "Only images (PNG, JPEG, GIF, WebP) or PDF files can be sent.",
        415,
    ),
    "damaged_file.pdf": _E("PDF 文件不完整或已损坏。", "The PDF is incomplete or damaged.", 415),
    "damaged_file.image": _E(
        "图片已损坏，无法打开。", "The image is damaged and cannot be opened.", 415
    ),
    "upload_quota": _E(
        "本次互动的文件已达上限（{mb} MB）。",
        "This conversation has reached its file limit ({mb} MB).",
        413,
    ),
    "bad_field.no_file": _E("缺少文件。", "No file was sent (form field 'file')."),
    # -- 业务办理服务确认单 ----------------------------------------------------------------------
    "too_many_files": _E("每项材料最多上传 {max} 个文件。", "At most {max} files per item."),
    "form_incomplete": _E(
        "还有材料未上传：{missing_zh}", "Some materials have no file yet: {missing_en}"
    ),
    "form_unavailable": _E(
        "确认单只能在与工作人员对话时办理。",
        "Forms can be handled only while you are talking with an agent.",
        409,
    ),
    # -- ratings, follow-ups and appeals ---------------------------------------------------------
    "not_appealable": _E(
        "只有“基本满意”及以下的评价可以申诉。",
        "Only ratings of 'fairly satisfied' or lower can be appealed.",
    ),
    "already_appealed": _E("这条评价已经申诉过。", "This rating has been appealed already.", 409),
    # -- the console's JSON API ------------------------------------------------------------------
    "bad_field.json_body": _E(
        "请求内容应为 JSON 对象。", "The request body must be a JSON object."
    ),
    "bad_field.length": _E(
        "{name_zh}应为 1–{limit} 个字。", "{name_en} needs 1-{limit} characters."
    ),
    "bad_field.quick_reply": _E("常用语应为 1–500 个字。", "A quick reply needs 1-500 characters."),
    "bad_field.account": _E("无法创建账号：{reason}", "Cannot create the account: {reason}"),
    "bad_field.role": _E("角色不正确。", "Unknown role."),
    "bad_field.centre": _E("运营中心不存在。", "No such centre."),
    "bad_field.max_concurrent": _E("同时接待上限应为 1–1000。", "max_concurrent must be 1-1000."),
    "bad_field.password": _E("密码至少 8 个字符。", "A password needs at least 8 characters."),
    "bad_field.leave_status": _E("状态应为 new 或 handled。", "status must be new or handled."),
    "bad_field.decision": _E("决定应为 keep 或 remove。", "decision must be keep or remove."),
    "bad_field.materials": _E("材料清单应为 1–20 项不重复的名称。", "items {reason}."),
    "bad_field.position": _E("顺序应为整数。", "position must be a whole number."),
    "bad_field.roles": _E(
        "可使用的身份应为文字列表。", "allowed_roles must be a list of role names."
    ),
    "bad_field.roles_count": _E("可使用的身份最多 {max} 个。", "At most {max} roles may be named."),
    "bad_field.role_name": _E(
        "身份名称不能超过 {max} 个字：{name}…",
        "A role name may have at most {max} characters: {name}…",
    ),
    "bad_field.media_event": _E("事件格式不正确。", "Malformed media event."),
    "bad_field.heartbeat": _E(
        "心跳格式不正确。", "Malformed worker heartbeat: {{url, mode, calls}}."
    ),
    "bad_schedule": _E("工作时间设置有误：{reason}", "The schedule is not valid: {reason}"),
    "bad_holidays": _E("节假日安排有误：{reason}", "The arrangement is not valid: {reason}"),
    "bad_search": _E("请至少填写一个查询条件。", "Give at least one thing to search for."),
    "search_behind": _E(
        "对话记录的检索索引正在更新（重建时可能需要几分钟），请稍后再查。",
        "The transcript index is being brought up to date (a rebuild can take a few minutes); "
        "search again shortly.",
        status=409,
    ),
    "bad_range": _E(
        "时间范围应为今天、7 天、本月或自定义。", "range must be today, 7d, month or custom."
    ),
    "bad_range.dates": _E(
        "请填写开始和结束日期（年-月-日）。", "Give a start and an end date (YYYY-MM-DD)."
    ),
    "bad_range.order": _E("开始日期不能晚于结束日期。", "The start date is after the end date."),
    "bad_range.too_long": _E("自定义范围最长一年。", "A custom range spans at most a year."),
    # -- the knowledge base ----------------------------------------------------------------------
    "bad_field.alias": _E("新问法应为 1–200 个字。", "An alias needs 1-200 characters."),
    "bad_import": _E("第 {line} 行不是有效的 JSON。", "Line {line} is not valid JSON."),
    "bad_import.empty": _E("导入文件是空的。", "The import file is empty."),
    "bad_entry": _E("第 {n} 条不是对象。", "Entry {n} is not an object."),
    "bad_entry.list": _E(
        "第 {n} 条的 {name} 应为问法列表。", "Entry {n}: {name} must be a list of phrasings."
    ),
    "bad_entry.english": _E(
        "第 {n} 条的英文问题和英文答案应同时填写或同时留空。",
        "Entry {n}: give both the English question and the English answer, or neither.",
    ),
    "bad_entry.missing": _E("第 {n} 条缺少 {name}。", "Entry {n} has no {name}."),
    "bad_entry.too_long": _E(
        "第 {n} 条的 {name} 超过 {limit} 字。", "Entry {n}: {name} is over {limit} characters."
    ),
    "thesaurus_rejected": _E(
        "该同义词会让知识库答错，未添加：{reason_zh}",
        "This pair would make the knowledge base answer wrongly, so it was not added: {reason_en}",
    ),
    # widget/bot/thesaurus.py raises these codes (ThesaurusError) with its own copy of the texts
    "thesaurus_empty": _E("两个词都不能为空。", "Both terms are required."),
    "thesaurus_too_long": _E(
        "每个词不超过 {max} 个字。", "Each term may have at most {max} characters."
    ),
    "thesaurus_bad_char": _E("词中不能有制表符或换行。", "Terms may not contain tabs or newlines."),
    "thesaurus_same": _E("两个词相同，无需添加。", "The two terms are the same."),
    # -- not found -------------------------------------------------------------------------------
    "not_found.interaction": _E("找不到该互动。", "No such interaction.", 404),
    "not_found.record": _E("找不到该记录。", "No such record.", 404),
    "not_found.question": _E("找不到该问题。", "No such question in the knowledge base.", 404),
    "not_found.bot_answer": _E("找不到该机器人回答。", "No such bot answer.", 404),
    "not_found.site": _E("找不到该站点。", "No such site.", 404),
    "not_found.unknown_site": _E("站点不存在。", "Unknown site.", 404),
    "not_found.file": _E("找不到该文件。", "No such file.", 404),
    "not_found.recording": _E("找不到该录像。", "No such recording.", 404),
    "not_found.recording_file": _E("录像文件不存在。", "The recording file is missing.", 404),
    "not_found.quick_reply": _E("找不到该常用语。", "No such quick reply.", 404),
    "not_found.account": _E("找不到该账号。", "No such account.", 404),
    "not_found.centre": _E("找不到该运营中心。", "No such centre.", 404),
    "not_found.transfer_centre": _E("找不到该运营中心。", "No such centre to transfer to.", 404),
    "not_found.transfer_agent": _E("找不到该工作人员。", "No such agent to transfer to.", 404),
    "not_found.region": _E("找不到该地区。", "No such region.", 404),
    "not_found.leave_message": _E("找不到该留言。", "No such message.", 404),
    "not_found.template": _E("找不到该模板。", "No such template.", 404),
    "not_found.form_template": _E("找不到该确认单模板。", "No such form template.", 404),
    "not_found.form": _E("找不到该确认单。", "No such form.", 404),
    "not_found.form_item": _E("确认单中没有这项材料。", "The form has no such item.", 404),
    "not_found.rating": _E("找不到您的这条评价。", "No such rating of yours.", 404),
    "not_found.chart": _E("没有这个图表。", "No such chart.", 404),
    "not_found.export": _E("没有这种导出。", "No such export.", 404),
    "not_found.kb_entry": _E("找不到该知识条目。", "No such knowledge-base entry.", 404),
    "not_found.kb_own_entry": _E(
        "本站点没有该条目的自定义内容。", "The site has no entry of its own with this id.", 404
    ),
    "not_found.thesaurus_pair": _E(
        "本站点没有该同义词。", "The site has no thesaurus pair with this word.", 404
    ),
}
# code -> the codes clients can receive (what codes.js ERROR may name)
CODES = frozenset(code_of(key) for key in ERRORS)


def restart_frame():
    """Return the notice sent before closing every socket with CloseCode.RESTART."""
    return {
        "type": "server.restart",
        "zh": "服务正在重启，马上为您重新连接。",
        "en": "The service is restarting; reconnecting you shortly.",
    }


_CID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_KB_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def _cid(value: Any) -> str:
    if not isinstance(value, str) or not _CID.match(value):
        raise ValueError("must be 1-64 letters, digits or _.:-")
    return value


def _id(value: Any) -> str:
    if not isinstance(value, str) or not _ID.match(value):
        raise ValueError("must be an id")
    return value


def _seq(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("must be a whole number >= 0")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _text(limit: int) -> Check:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError("must be text")
        value = value.strip()
        if not value:
            raise ValueError("must not be empty")
        if len(value) > limit:
            raise ValueError(f"must be at most {limit} characters")
        return value

    return check


def _optional_text(limit: int) -> Check:
    def check(value: Any) -> str:
        if value is None or (isinstance(value, str) and not value.strip()):
            return ""
        return _text(limit)(value)

    return check


def _sdp(value: Any) -> str:
    if not isinstance(value, str) or not value.startswith("v=0") or len(value) > 30000:
        raise ValueError("must be an SDP description of at most 30,000 characters")
    return value  # never stripped: SDP lines end with CRLF


def _score(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ValueError("must be 1 to 5")
    return value


def _tags(value: Any) -> list[str]:
    if (
        not isinstance(value, list)
        or len(value) > 8
        or not all(isinstance(tag, str) and 0 < len(tag) <= 32 for tag in value)
    ):
        raise ValueError("must be a list of at most 8 short tags")
    return sorted(set(value))


def _choice(*allowed: str) -> Check:
    def check(value: Any) -> str:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return value

    return check


def _kb_id(value: Any) -> str:
    if not isinstance(value, str) or not _KB_ID.match(value):
        raise ValueError("must be a knowledge-base id")
    return value


def material_names(value: Any) -> list[str]:
    if (
        not isinstance(value, list)
        or not 1 <= len(value) <= 20
        or not all(isinstance(item, str) and 0 < len(item.strip()) <= 100 for item in value)
    ):
        raise ValueError("must be a list of 1 to 20 material names of at most 100 characters")
    # (a form's materials: the frame form.send and the console's form templates)
    names = [item.strip() for item in value]
    if len(set(names)) != len(names):
        raise ValueError("must not name a material twice")
    return names


TEXT = "text"  # placeholders replaced by the configured message length at parse time
OPTIONAL_TEXT = "optional text"

# type -> {field: (validator, required)}; a field not listed is refused.
# frame type -> {field: (check, or TEXT/OPTIONAL_TEXT for the configured length; required)}
INBOUND: dict[str, dict[str, tuple[Check | str, bool]]] = {
    "auth.hello": {"token": (_text(4096), True)},
    "auth.resume": {"credential": (_text(128), True), "token": (_text(4096), True)},
    "ping": {},
    "ack": {"interaction_id": (_id, True), "seq": (_seq, True)},
    "sync": {"interaction_id": (_id, True), "last_seq": (_seq, True)},
    "history.list": {},
    # lang: the widget's language; an answer is given in English when it is "en" or the question is
    # English
    "bot.ask": {"cid": (_cid, True), "text": (TEXT, True), "lang": (_choice("zh", "en"), False)},
    "bot.pick": {
        "cid": (_cid, True),
        "kb_id": (_kb_id, True),
        "lang": (_choice("zh", "en"), False),
    },
    "human.request": {"cid": (_cid, True)},
    "interaction.cancel": {"cid": (_cid, True), "interaction_id": (_id, True)},
    "interaction.close": {"cid": (_cid, True), "interaction_id": (_id, True)},
    "interaction.accept": {"cid": (_cid, True), "interaction_id": (_id, True)},
    "interaction.end": {
        "cid": (_cid, True),
        "interaction_id": (_id, True),
        "category": (_optional_text(64), False),
    },
    "message.send": {
        "cid": (_cid, True),
        "interaction_id": (_id, True),
        "text": (OPTIONAL_TEXT, False),
        "attachment_id": (_id, False),
    },
    "bot.feedback": {
        "cid": (_cid, True),
        "interaction_id": (_id, True),
        "seq": (_seq, True),
        "value": (_choice("up", "down"), True),
    },
    "leave.submit": {
        "cid": (_cid, True),
        "text": (_text(1000), True),
        "contact": (_optional_text(64), False),
    },
    "typing": {"interaction_id": (_id, True), "on": (_flag, True)},
    "read": {"interaction_id": (_id, True), "seq": (_seq, True)},
    "rating.submit": {
        "cid": (_cid, True),
        "interaction_id": (_id, True),
        "score": (_score, True),
        "tags": (_tags, False),
        "comment": (_optional_text(500), False),
    },
    "presence.set": {"value": (_choice("online", "away", "offline"), True)},
    "interaction.transfer": {
        "cid": (_cid, True),
        "interaction_id": (_id, True),
        "to_agent": (_id, False),
        "to_centre": (_id, False),
        "note": (_optional_text(500), False),
    },
    "note.add": {"cid": (_cid, True), "interaction_id": (_id, True), "text": (TEXT, True)},
    "history.of": {"cid": (_cid, True), "interaction_id": (_id, True)},
    "call.request": {"cid": (_cid, True), "interaction_id": (_id, True)},
    "call.cancel": {"cid": (_cid, True), "interaction_id": (_id, True)},
    "call.accept": {"cid": (_cid, True), "interaction_id": (_id, True)},
    "call.decline": {"cid": (_cid, True), "interaction_id": (_id, True)},
    "call.hangup": {"cid": (_cid, True), "interaction_id": (_id, True)},
    "rtc.offer": {
        "cid": (_cid, True),
        "interaction_id": (_id, True),
        "sdp": (_sdp, True),
        "restart": (_flag, False),
    },
    "form.send": {
        "cid": (_cid, True),
        "interaction_id": (_id, True),
        "title": (_text(100), True),
        "items": (material_names, True),
        "template_id": (_id, False),
    },
    "form.attach": {
        "cid": (_cid, True),
        "interaction_id": (_id, True),
        "form_id": (_id, True),
        "item_id": (_id, True),
        "attachment_id": (_id, True),
    },
    "form.submit": {"cid": (_cid, True), "interaction_id": (_id, True), "form_id": (_id, True)},
    "form.return": {
        "cid": (_cid, True),
        "interaction_id": (_id, True),
        "form_id": (_id, True),
        "reason": (_text(500), True),
    },
    "form.done": {
        "cid": (_cid, True),
        "interaction_id": (_id, True),
        "form_id": (_id, True),
        "result": (_text(1000), True),
    },
    "forms.list": {},
}

AUTH_TYPES = frozenset({"auth.hello", "auth.resume"})


def parse(
    raw: str | bytes, max_bytes: int, max_chars: int, allowed: Collection[str]
) -> dict[str, Any]:
    """Return a validated inbound frame dict or raise ProtocolError with a specific code."""
    if isinstance(raw, bytes):
        raise ProtocolError("binary_frame")
    if len(raw.encode("utf-8")) > max_bytes:
        raise ProtocolError("frame_too_large", max_bytes=max_bytes)
    try:
        frame = orjson.loads(raw)
    except (ValueError, RecursionError):  # orjson's JSONDecodeError is a ValueError
        raise ProtocolError("bad_json") from None
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise ProtocolError("bad_frame")
    kind = frame["type"]
    ref = frame.get("cid") if isinstance(frame.get("cid"), str) else None
    if kind not in INBOUND or kind not in allowed:
        raise ProtocolError("unknown_type", {"ref": ref}, kind=kind[:40])
    schema = INBOUND[kind]
    if "cid" not in schema:  # any request may carry a cid so its error or reply can name it
        schema = {**schema, "cid": (_cid, False)}
    extra = set(frame) - set(schema) - {"type"}
    if extra:
        name = sorted(extra)[0][:40]
        raise ProtocolError("bad_field.unexpected", {"ref": ref}, name=name)
    clean = {"type": kind}
    for name, (check, required) in schema.items():
        if name not in frame:
            if required:
                raise ProtocolError("bad_field.missing", {"ref": ref}, name=name)
            continue
        if isinstance(check, str):  # TEXT or OPTIONAL_TEXT: the configured length
            check = {TEXT: _text(max_chars), OPTIONAL_TEXT: _optional_text(max_chars)}[check]
        try:
            clean[name] = check(frame[name])
        except ValueError as exc:
            raise ProtocolError("bad_field.invalid", {"ref": ref}, name=name, reason=exc) from None
    return clean


def error_frame(error: ZhengnaError, ref: str | None = None) -> dict[str, Any]:
    """Return the outbound frame for a ZhengnaError (the error itself is left as it was)."""
    body = error.to_dict()
    detail = dict(body.pop("detail", None) or {})
    ref = ref or detail.get("ref")
    detail.pop("ref", None)
    frame = {"type": "error", **body}
    if ref:
        frame["ref"] = ref
    if detail:
        frame["detail"] = detail
    return frame


def message_view(message: Mapping[str, Any]) -> dict[str, Any]:
    """Return what clients see of a stored message row (a message.new event's "message")."""
    return {
        "id": message["id"],
        "cid": message.get("cid"),
        "from": message["sender_role"],
        "sender": message.get("sender_name", ""),
        "kind": message["kind"],
        "body": message["body"],
        "attachment": message.get("attachment"),
    }


def event_frame(row: Mapping[str, Any]) -> dict[str, Any]:
    """Return the outbound frame for a stored event row."""
    return {
        "type": row["type"],
        "interaction_id": row["interaction_id"],
        "seq": row["seq"],
        "at": row["created_at"].isoformat(),
        "actor": {"role": row["actor_role"], "id": row["actor_id"]},
        **row["payload"],
    }


def encode(frame: Mapping[str, Any]) -> str:
    """Serialise a frame (compact, UTF-8 kept readable). orjson: every frame of every socket goes
    through here and parse(), and at 3,000 messages a second the standard library's JSON was a
    twentieth of the server's time."""
    return orjson.dumps(frame, option=orjson.OPT_NON_STR_KEYS).decode()
