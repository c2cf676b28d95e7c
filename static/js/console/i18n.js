// @ts-check
// The console's locale table: every string Chinese first, English beside it. The entry points pass t to
// useTranslator (shared/dom.js), through which h({label}), bilingual and both show these.
import { lookup } from "../shared/i18n.js";

/** @typedef {[string, string] | ((...args: any[]) => [string, string])} Entry */

/** @type {Record<string, Entry>} */
const TABLE = {
  title: ["坐席工作台", "Agent console"],
  loginFailed: ["登录失败", "Sign-in failed"],
  tooMany: ["尝试次数过多，请稍后再试", "Too many attempts; try again later"],
  adminTitle: ["管理", "Administration"],
  logout: ["退出登录", "Sign out"],
  adminLink: ["管理页面", "Administration"],
  consoleLink: ["返回工作台", "Back to the console"],
  presence: ["状态", "Status"],
  online: ["在线", "Online"],
  away: ["离开", "Away"],
  offline: ["离线", "Offline"],
  connOpen: ["已连接", "Connected"],
  connConnecting: ["正在连接…", "Connecting…"],
  connLost: (s) => [`连接中断，${s} 秒后重连`, `Connection lost; retrying in ${s} s`],
  connOffline: (s) => [`网络已断开，${s} 秒后重试`, `Offline; trying again in ${s} s`],
  soundSwitch: ["新请求提示音", "Sound on new requests"],
  titleSwitch: ["标签页标题显示等待数", "Waiting count in the tab title"],
  capacity: (n, max) => [`接待中 ${n} / 上限 ${max}`, `Serving ${n} of ${max}`],
  capacityFull: ["已达同时接待上限", "At your concurrency limit"],
  queue: ["等待接入", "Waiting"],
  queueEmpty: ["暂无等待的纳税人", "Nobody is waiting"],
  waited: (d) => [`已等待 ${d}`, `waiting ${d}`],
  region: (r) => [`地区 ${r}`, `region ${r}`],
  accept: ["接入", "Accept"],
  showBot: ["查看对话", "Show conversation"],
  hideBot: ["收起对话", "Hide conversation"],
  noBotYet: ["（尚无智能问答记录）", "(no smart-service messages)"],
  conversations: ["接待中的互动", "Your conversations"],
  noConversations: [
    "尚未接入互动。从左侧队列点击“接入”。",
    "No conversation yet. Accept one from the queue.",
  ],
  input: [
    "回复内容（Enter 发送，Shift+Enter 换行）",
    "Reply (Enter sends, Shift+Enter breaks a line)",
  ],
  send: ["发送", "Send"],
  attach: ["发送文件", "Send a file"],
  uploading: ["正在上传…", "Uploading…"],
  typing: (who) => [`${who} 正在输入…`, `${who} is typing…`],
  read: ["已读", "Read"],
  sent: ["已送达", "Delivered"],
  sending: ["发送中", "Sending"],
  sendingAt: (time) => [`发送中 · ${time} 输入`, `Sending · typed ${time}`],
  retry: ["重新发送", "Retry"],
  failed: ["发送失败", "Failed"],
  quickReplies: ["常用语", "Quick replies"],
  noQuickReplies: ["暂无常用语", "No quick replies"],
  note: ["内部备注（纳税人看不到）", "Internal note (the taxpayer never sees it)"],
  addNote: ["添加备注", "Add note"],
  internal: ["内部备注", "Internal note"],
  transfer: ["转接", "Transfer"],
  transferTitle: ["转接给工作人员或运营中心", "Transfer to an agent or a centre"],
  transferNote: ["转接说明（内部）", "Note for the next agent (internal)"],
  transferGo: ["确认转接", "Transfer"],
  transferPick: ["请先选择转接对象", "Choose whom to transfer to first"],
  agents: ["工作人员", "Agents"],
  centres: ["运营中心（排队）", "Centres (their queue)"],
  noAgents: ["没有可转接的工作人员", "No agent to transfer to"],
  agentsHidden: [
    "服务器未向坐席开放工作人员列表，仅可转回运营中心队列。",
    "The server does not list agents to your role; you can transfer to a centre's queue.",
  ],
  end: ["结束互动", "End"],
  endTitle: ["结束本次互动？", "End this conversation?"],
  endText: [
    "结束后纳税人将收到满意度评价。请选择服务分类：",
    "The taxpayer will be asked for a rating. Choose the service category:",
  ],
  category: ["服务分类", "Category"],
  ok: ["确定", "OK"],
  cancel: ["取消", "Cancel"],
  close: ["关闭", "Close"],
  closeTab: ["关闭标签", "Close tab"],
  history: ["历史互动", "Earlier conversations"],
  noHistory: ["该纳税人没有其他互动记录", "No earlier conversations"],
  view: ["查看", "View"],
  state_bot: ["智能服务", "Smart service"],
  state_queued: ["排队中", "Queued"],
  state_connected: ["服务中", "Connected"],
  state_ended: ["已结束", "Ended"],
  state_cancelled: ["已取消", "Cancelled"],
  state_expired: ["已失效", "Expired"],
  from_bot: ["智能助手", "Bot"],
  from_taxpayer: ["纳税人", "Taxpayer"],
  from_agent: ["工作人员", "Agent"],
  from_system: ["系统", "System"],
  ev_accept: (who) => [`${who} 已接入`, `${who} joined`],
  ev_request_human: ["纳税人发起人工导税", "The taxpayer asked for a person"],
  ev_transfer_to_agent: (who) => [`已转接给 ${who}`, `Transferred to ${who}`],
  ev_transfer_to_queue: ["已转回运营中心队列", "Transferred back to the queue"],
  ev_agent_lost: ["工作人员掉线，已重新排队", "The agent dropped out; back in the queue"],
  ev_end: ["工作人员结束了互动", "The agent ended the conversation"],
  ev_close: ["纳税人关闭了窗口", "The taxpayer closed the window"],
  ev_cancel: ["纳税人取消了互动", "The taxpayer cancelled"],
  ev_expire: ["排队已失效", "The request expired"],
  ev_idle_timeout: ["长时间无人发言，系统已结束", "Ended by the system after silence"],
  ev_other: (e) => [`状态变更：${e}`, `State change: ${e}`],
  rated: (s) => [`纳税人评价：${s} 分`, `Rated ${s} of 5`],
  ended: ["本次互动已结束", "This conversation has ended"],
  newLeave: (who) => [`收到新留言：${who}`, `New message left by ${who}`],
  centreOpen: (name) => [`${name} 已开始人工服务`, `${name} is open`],
  centreClosed: (name) => [`${name} 已停止人工服务`, `${name} has closed`],
  dismiss: ["知道了", "Dismiss"],
  attachment: ["附件", "Attachment"],
  download: ["下载", "Download"],
  reconnected: ["已重新连接，会话已同步", "Reconnected; conversations are up to date"],
  transferred: ["已转接", "Transferred"],
  assignedNew: ["有新的互动转给您", "A conversation was handed to you"],
  videoArea: ["视频通话", "Video call"],
  videoRequest: [
    "纳税人请求视频通话（将全程录音录像）",
    "The taxpayer asks for a video call (it will be recorded)",
  ],
  videoRequestFrom: (who) => [`${who} 请求视频通话`, `${who} asks for a video call`],
  videoAccept: ["接听视频", "Answer video"],
  videoDecline: ["拒绝", "Decline"],
  videoCamera: ["纳税人摄像头", "Taxpayer's camera"],
  videoScreen: ["纳税人屏幕共享", "Taxpayer's screen"],
  videoLocal: ["我的摄像头", "My camera"],
  videoControls: ["视频通话控制", "Video call controls"],
  videoConnecting: ["正在建立视频连接…", "Connecting the video…"],
  videoReconnecting: ["视频连接中断，正在重新连接…", "The video connection dropped; reconnecting…"],
  videoFailed: [
    "视频连接失败，可关闭视频后由纳税人重新发起",
    "The video could not connect; end it and let the taxpayer try again",
  ],
  videoElsewhere: [
    "视频通话正在您的另一个工作台标签页中进行",
    "The video call runs in another console tab of yours",
  ],
  videoTaxpayerLost: [
    "纳税人的视频连接中断，正在等待恢复…",
    "The taxpayer's video connection dropped; waiting for it…",
  ],
  enableSound: ["点击开启声音", "Turn the sound on"],
  muteMic: ["静音", "Mute"],
  muteCamera: ["关闭摄像头", "Camera off"],
  closeVideo: ["关闭视频", "End video"],
  closeVideoTitle: ["关闭视频通话？", "End the video call?"],
  closeVideoText: [
    "关闭后可继续文字交流，录像将保存。",
    "You can go on in text; the recording is kept.",
  ],
  camNoDevice: [
    "未检测到摄像头或麦克风，纳税人将看不到您的画面",
    "No camera or microphone found; the taxpayer will not see you",
  ],
  camDenied: [
    "摄像头或麦克风权限被拒绝，请在浏览器中允许后重新加入",
    "Camera or microphone access was denied; allow it in the browser",
  ],
  camBusy: [
    "摄像头或麦克风正被其他程序占用",
    "The camera or microphone is in use by another program",
  ],
  camInsecure: ["视频通话需要通过 HTTPS 访问工作台", "Video calls need the console over HTTPS"],
  camOther: ["无法打开摄像头或麦克风", "Could not open the camera or microphone"],
  ev_call_request: ["纳税人发起视频通话请求", "The taxpayer asked for a video call"],
  ev_call_accept: ["视频通话已接通（录音录像中）", "The video call is connected (recorded)"],
  ev_call_decline: ["已拒绝视频通话", "The video call was declined"],
  ev_call_cancel: ["纳税人取消了视频请求", "The taxpayer withdrew the video request"],
  ev_call_hangup: ["视频通话已结束", "The video call has ended"],
  ev_call_ring_timeout: ["视频请求超时未接听", "The video request was not answered in time"],
  // service categories for the wrap-up (服务分类)
  cat_invoice: ["发票开具", "Issuing invoices"],
  cat_redletter: ["红字发票", "Red-letter invoices"],
  cat_filing: ["申报纳税", "Filing returns"],
  cat_payment: ["税费缴纳", "Paying taxes"],
  cat_registration: ["登记信息", "Registration"],
  cat_refund: ["出口退税", "Export refunds"],
  cat_policy: ["政策咨询", "Policy questions"],
  cat_system: ["系统操作", "Using the system"],
  cat_other: ["其他", "Other"],
};

export const CATEGORIES = [
  "cat_invoice",
  "cat_redletter",
  "cat_filing",
  "cat_payment",
  "cat_registration",
  "cat_refund",
  "cat_policy",
  "cat_system",
  "cat_other",
];

/** @type {Record<string, Entry>} */
const extra = {};

/** Add strings of another part of the console (the admin pages keep their own). */
export function extend(/** @type {Record<string, Entry>} */ table) {
  Object.assign(extra, table);
}

/**
 * Return [zh, en] for key (an unknown key is shown as itself).
 * @param {string} key
 * @param {...any} args
 * @returns {[string, string]}
 */
export function t(key, ...args) {
  const entry = lookup([extra, TABLE], key);
  if (entry === undefined) return [key, ""];
  return typeof entry === "function" ? entry(...args) : entry;
}

/** The Chinese text of key (used where the server stores words, such as the category). */
export function zh(/** @type {string} */ key, /** @type {any[]} */ ...args) {
  return t(key, ...args)[0];
}
