// 我的车辆：列表（车牌、常用油品、默认标记）、添加和修改（同一张表单）、设为默认、删除（先确认）。
// 车牌的格式由服务端检查，它的中文说明显示在对应的输入框下。每个写操作保留自己的 Idempotency-Key，
// 网络不好重试时沿用，成功或服务端明确拒绝后换新的。
const api = require('../../utils/api')

// The chain's fuels as set up by the catalogue. The API has no list of them: a code the chain
// lacks is refused with a message shown by the fuel field.
const FUELS = [
  { code: '92', name: '92#汽油' },
  { code: '95', name: '95#汽油' },
  { code: '98', name: '98#汽油' },
  { code: '0', name: '0#柴油' },
]

function toVehicle(v) {
  return {
    id: v.id,
    plate: v.plate,
    name: v.name || '',
    fuelCode: v.fuel ? v.fuel.code : '',
    fuelName: v.fuel ? v.fuel.name : '',
    isDefault: !!v.is_default,
  }
}

/** Which field an API error is about: the message names it as the driver says it. */
function fieldOf(err) {
  if (err.code === 'plate_taken') return 'plate'
  const m = err.message || ''
  if (/车牌/.test(m)) return 'plate'
  if (/油品/.test(m)) return 'fuel'
  if (/名称/.test(m)) return 'name'
  return 'form'
}

const NO_ERRORS = { plate: '', name: '', fuel: '', form: '' }

// Per page instance: the kept key of each action ('add', 'edit:31', 'default:31', 'delete:31').
const local = new WeakMap()
function own(page) {
  let mine = local.get(page)
  if (!mine) {
    mine = { keys: {}, busy: false }
    local.set(page, mine)
  }
  return mine
}

Component({
  data: {
    // loading | ready | error
    state: 'loading',
    loadError: '',
    items: [],
    maxVehicles: 5,
    // null, or the form: {id (0 = a new vehicle), plate, name, fuel}
    form: null,
    errors: NO_ERRORS,
    fuels: FUELS,
    busy: false,
    actionError: '',
  },

  methods: {
    onLoad() {
      this.load()
    },

    onPullDownRefresh() {
      const done = () => wx.stopPullDownRefresh()
      this.load().then(done, done)
    },

    load() {
      if (!this.data.items.length) this.setData({ state: 'loading', loadError: '' })
      return api.get('/vehicles').then(
        (list) => this.show(list),
        (err) => {
          const message = (err && err.message) || '加载失败，请稍后再试'
          if (this.data.items.length) wx.showToast({ title: message, icon: 'none' })
          else this.setData({ state: 'error', loadError: message })
        },
      )
    },

    show(list) {
      this.setData({ state: 'ready', items: list.items.map(toVehicle), maxVehicles: list.max_vehicles })
    },

    onRetry() {
      this.load()
    },

    /** Run one write at a time under its action's key. */
    write(action, call, onDone) {
      const mine = own(this)
      if (mine.busy) return Promise.resolve()
      mine.busy = true
      if (!mine.keys[action]) mine.keys[action] = api.newActionKey()
      this.setData({ busy: true, actionError: '' })
      return call(mine.keys[action])
        .then(
          (answer) => {
            delete mine.keys[action]
            onDone(answer)
          },
          (err) => {
            if (!err || !err.retryable) delete mine.keys[action]
            this.failed(err || {})
          },
        )
        .then(() => {
          mine.busy = false
          this.setData({ busy: false })
        })
    },

    failed(err) {
      const message = err.message || '操作失败，请稍后重试'
      if (!this.data.form) {
        this.setData({ actionError: message })
        return
      }
      this.setData({ errors: Object.assign({}, NO_ERRORS, { [fieldOf(err)]: message }) })
    },

    startAdd() {
      if (this.data.items.length >= this.data.maxVehicles) {
        this.setData({ actionError: '最多添加 ' + this.data.maxVehicles + ' 辆车，请先删除一辆' })
        return
      }
      own(this).keys.add = ''
      this.setData({ form: { id: 0, plate: '', name: '', fuel: '' }, errors: NO_ERRORS, actionError: '' })
    },

    startEdit(e) {
      const v = this.data.items.find((x) => x.id === Number(e.currentTarget.dataset.id))
      if (!v) return
      this.setData({
        form: { id: v.id, plate: v.plate, name: v.name, fuel: v.fuelCode },
        errors: NO_ERRORS,
        actionError: '',
      })
    },

    closeForm() {
      if (own(this).busy) return
      this.setData({ form: null, errors: NO_ERRORS })
    },

    // A changed form is a new action: the next 保存 gets a new key.
    formChanged(field, value) {
      delete own(this).keys[this.formAction()]
      this.setData({ ['form.' + field]: value, ['errors.' + field]: '', 'errors.form': '' })
    },

    onPlate(e) {
      this.formChanged('plate', e.detail.value)
    },

    onName(e) {
      this.formChanged('name', e.detail.value)
    },

    pickFuel(e) {
      this.formChanged('fuel', String(e.currentTarget.dataset.code || ''))
    },

    formAction() {
      const form = this.data.form
      return form && form.id ? 'edit:' + form.id : 'add'
    },

    /** POST /vehicles or PUT /vehicles/{id} with the form as the driver typed it. */
    save() {
      const form = this.data.form
      if (!form) return Promise.resolve()
      const body = { plate: form.plate, name: form.name, fuel: form.fuel || null }
      const path = form.id ? '/vehicles/' + form.id : '/vehicles'
      return this.write(
        this.formAction(),
        (key) => (form.id ? api.put(path, body, key) : api.post(path, body, key)),
        () => {
          this.setData({ form: null, errors: NO_ERRORS })
          return this.load()
        },
      )
    },

    setDefault(e) {
      const id = Number(e.currentTarget.dataset.id)
      return this.write(
        'default:' + id,
        (key) => api.post('/vehicles/' + id + '/default', undefined, key),
        (list) => this.show(list),
      )
    },

    remove(e) {
      const id = Number(e.currentTarget.dataset.id)
      const v = this.data.items.find((x) => x.id === id)
      if (!v) return Promise.resolve()
      return new Promise((resolve) => {
        wx.showModal({
          title: '删除车辆',
          content: '确定删除 ' + v.plate + '？' + (v.isDefault ? '最早添加的另一辆车将成为默认车辆。' : ''),
          confirmText: '删除',
          confirmColor: '#fa5151',
          success: (res) => {
            if (!res.confirm) return resolve(undefined)
            const call = (key) => api.del('/vehicles/' + id, undefined, key)
            resolve(this.write('delete:' + id, call, (list) => this.show(list)))
          },
          fail: () => resolve(undefined),
        })
      })
    },
  },
})
