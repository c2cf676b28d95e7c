// @ts-check
// The words of the video call, in both locales: fetched with the call (call.js), not with the window.
import { addStrings } from "./i18n.js";

addStrings({
  "zh-CN": {
    startVideoAsk: "是否发起视频聊天",
    startVideoInfo:
      "税务工作人员接听后，双方可以看到对方的画面、听到对方的声音，文字交流不受影响。",
    recordingWhat:
      "本次视频聊天将全程录音录像（双录）：您和税务工作人员的画面与声音，以及您共享的屏幕。",
    recordingWhy:
      "录像用于核实服务内容、保障服务质量和接受监督，仅供税务机关使用，保存 {days} 天后删除。",
    recordingConsent: "点击【确定】即表示您同意录音录像并发起视频；点击【取消】可继续文字交流。",
    videoDeclined: "已取消视频，您可以继续文字交流",
    screenPreview: "您正在共享的画面",
    videoArea: "视频通话",
    remoteVideo: "坐席的画面",
    localVideo: "您的画面",
    callControls: "视频通话控制",
    recording: "● 录制中",
    videoWaiting: "正在等待坐席接听视频…",
    videoConnecting: "正在建立视频连接…",
    videoReconnecting: "视频连接中断，正在重新连接…",
    videoFailed: "视频连接失败。文字交流不受影响，您可以关闭视频后重新发起。",
    videoElsewhere: "视频通话正在您的另一个浏览器标签页中进行",
    agentMediaLost: "坐席的视频连接中断，正在恢复…",
    enableSound: "点击开启声音",
    noPicture: "暂无画面",
    muteMic: "静音",
    muteCamera: "关闭摄像头",
    shareScreen: "屏幕共享",
    hideChat: "隐藏聊天",
    closeVideo: "关闭视频",
    cancelVideo: "取消视频",
    closeVideoAsk: "是否断开视频聊天",
    closeVideoInfo: "断开后可以继续通过文字交流。",
    shareAsk:
      "共享屏幕后，坐席将看到您所共享的画面。请先关闭含有密码、银行卡号、验证码等个人隐私信息的窗口。是否继续？",
    shareCancelled: "未共享屏幕",
    shareFailed: "无法共享屏幕，请重试",
    screenUnsupported: "当前浏览器不支持屏幕共享，请使用新版 Chrome、Edge 或 Firefox",
    camNoDevice: "未检测到摄像头或麦克风，请连接设备后重试",
    camDenied:
      "无法使用摄像头或麦克风：访问权限被拒绝。请在浏览器地址栏左侧允许本网站使用摄像头和麦克风后重试",
    camBusy: "摄像头或麦克风正被其他程序占用，请关闭正在使用它的程序后重试",
    camInsecure: "视频通话需要通过 HTTPS 安全连接访问本网站",
    camOther: "无法打开摄像头或麦克风，请检查设备后重试",
  },
  en: {
    startVideoAsk: "Start a video chat?",
    startVideoInfo:
      "Once the agent answers you will see and hear each other; the text chat goes on as well.",
    recordingWhat:
      "This video chat is recorded from start to end: your and the agent's picture and sound, and any screen you share.",
    recordingWhy:
      "The recording serves to check what was done, to assure the quality of service and its supervision; only the tax authority uses it, and it is deleted after {days} days.",
    recordingConsent:
      "OK means you agree to the recording and start the video; Cancel keeps the chat in text.",
    videoDeclined: "Video cancelled; you can go on in text",
    screenPreview: "What you are sharing",
    videoArea: "Video call",
    remoteVideo: "The agent's video",
    localVideo: "Your video",
    callControls: "Video call controls",
    recording: "● Recording",
    videoWaiting: "Waiting for the agent to answer…",
    videoConnecting: "Connecting the video…",
    videoReconnecting: "The video connection dropped; reconnecting…",
    videoFailed:
      "The video could not connect. The chat still works; close the video and try again.",
    videoElsewhere: "The video call is running in another tab of your browser",
    agentMediaLost: "The agent's video connection dropped; recovering…",
    enableSound: "Turn the sound on",
    noPicture: "No picture",
    muteMic: "Mute",
    muteCamera: "Camera off",
    shareScreen: "Share screen",
    hideChat: "Hide chat",
    closeVideo: "End video",
    cancelVideo: "Cancel video",
    closeVideoAsk: "End the video chat?",
    closeVideoInfo: "You can go on in text afterwards.",
    shareAsk:
      "The agent will see what you share. Close any window showing passwords, card numbers or verification codes first. Continue?",
    shareCancelled: "Screen not shared",
    shareFailed: "Could not share the screen; please try again",
    screenUnsupported: "This browser cannot share the screen; use a recent Chrome, Edge or Firefox",
    camNoDevice: "No camera or microphone found; connect one and try again",
    camDenied:
      "Camera or microphone access was denied. Allow this site to use them (left of the address bar) and try again",
    camBusy: "The camera or microphone is in use by another program; close it and try again",
    camInsecure: "Video calls need this site to be opened over HTTPS",
    camOther: "Could not open the camera or microphone; check the device and try again",
  },
});
