// WeChat's own client calls that the service depends on: the login code, paying a prepay, the
// phone number code. In a real build they are wx.login, wx.requestPayment and the
// getPhoneNumber button. With config.SANDBOX_BASE set (the demo in WeChat DevTools, where the
// tourist appid's codes and payments mean nothing to the service), the service's sandbox stands
// in for WeChat here as it does on the server: it issues the codes and takes the payments.
const config = require('../config')

const OPENID_KEY = 'sandbox_openid'

/** The sandbox's base URL, or '' in a real build. Read at call time (tests switch it). */
const sandbox = () => config.SANDBOX_BASE || ''

/** POST JSON to the sandbox; resolves its JSON answer, rejects with its Chinese message. */
function toSandbox(path, data) {
  return new Promise((resolve, reject) => {
    wx.request({
      url: sandbox() + path,
      method: 'POST',
      data,
      header: { 'Content-Type': 'application/json' },
      success: (res) => {
        const body = /** @type {any} */ (res.data) || {}
        if (res.statusCode >= 200 && res.statusCode < 300) resolve(body)
        else reject({ errMsg: (body.error && body.error.message) || '沙箱拒绝了请求' })
      },
      fail: (res) => reject({ errMsg: (res && res.errMsg) || 'request:fail' }),
    })
  })
}

/** The demo driver this phone logs in as: config's, or one made up once and kept. */
function sandboxOpenid() {
  let openid = config.SANDBOX_OPENID || wx.getStorageSync(OPENID_KEY)
  if (!openid) {
    openid = 'devtools-' + Date.now().toString(36) + Math.random().toString(36).slice(2, 8)
    wx.setStorageSync(OPENID_KEY, openid)
  }
  return openid
}

/** A js_code for POST /auth/wechat. Rejects with {errMsg}. @returns {Promise<string>} */
function loginCode() {
  if (sandbox()) {
    return toSandbox('/wechat/login-code', { openid: sandboxOpenid() }).then((a) => a.js_code)
  }
  return new Promise((resolve, reject) => {
    wx.login({ success: (res) => resolve(res.code), fail: reject })
  })
}

/**
 * Pay with the server's wx.requestPayment parameters, exactly as given. Resolves when paid;
 * rejects with {errMsg} ('requestPayment:fail cancel' when the driver backs out).
 * @param {WechatMiniprogram.RequestPaymentOption} params
 */
function requestPayment(params) {
  if (sandbox()) {
    return new Promise((resolve, reject) => {
      wx.showModal({
        title: '沙箱支付',
        content: '演示环境：由沙箱代替微信支付完成这笔付款。',
        confirmText: '确认支付',
        success: (res) => {
          if (!res.confirm) reject({ errMsg: 'requestPayment:fail cancel' })
          else toSandbox('/wechatpay/pay', params).then(() => resolve(undefined), reject)
        },
        fail: () => reject({ errMsg: 'requestPayment:fail cancel' }),
      })
    })
  }
  return new Promise((resolve, reject) => {
    wx.requestPayment(Object.assign({}, params, { success: () => resolve(undefined), fail: reject }))
  })
}

/**
 * The code of a getPhoneNumber tap, for POST /me/phone; '' when the driver did not share.
 * In the sandbox (DevTools gives no code) the driver types the number the sandbox vouches for.
 * @param {{code?: string}} detail the button event's detail
 * @returns {Promise<string>}
 */
function phoneCode(detail) {
  if (detail && detail.code) return Promise.resolve(detail.code)
  if (!sandbox()) return Promise.resolve('')
  return new Promise((resolve) => {
    wx.showModal({
      title: '沙箱手机号',
      editable: true,
      placeholderText: '输入 11 位手机号',
      confirmText: '确定',
      success: (res) => {
        const phone = (res.confirm && (res.content || '').trim()) || ''
        if (!phone) return resolve('')
        toSandbox('/wechat/phone-code', { phone }).then(
          (answer) => resolve(answer.code),
          (err) => {
            wx.showToast({ title: err.errMsg, icon: 'none' })
            resolve('')
          },
        )
      },
      fail: () => resolve(''),
    })
  })
}

module.exports = { loginCode, requestPayment, phoneCode }
