// A paged list, newest first (a Behavior, on load-state.js): data.items, page, hasMore,
// loadingMore and moreError. The page says what it fetches and how an item is shown:
//   fetchPage(n)  a Promise of the API's page n ({items, page, has_more});
//   itemView(raw) an item as the WXML shows it, with the API's id.
// refresh() reads page 1 again (the list stays on screen meanwhile); loadMore() (触底, 加载更多
// and its 重试) adds the next page, without the items already shown: a row added meanwhile
// shifts the pages. A next page that fails sets moreError; one that answers after a refresh
// started is dropped.
const loadState = require('./load-state')

/** The page this Behavior is part of (its fetchPage() and itemView()). */
const host = (self) => /** @type {any} */ (self)

module.exports = Behavior({
  behaviors: [loadState],

  data: {
    items: [],
    page: 0,
    hasMore: false,
    loadingMore: false,
    moreError: '',
  },

  methods: {
    /** Page 1 again; the list stays on screen while it loads. */
    refresh() {
      // A next page still on its way is dropped by the read: its footer goes now.
      if (this.data.loadingMore) this.setData({ loadingMore: false })
      return host(this).read(
        () => host(this).fetchPage(1),
        (answer) => this.firstPage(answer),
      )
    },

    /** The data that shows page 1 (a page that reads more with it adds its own). */
    firstPage(answer) {
      return {
        items: answer.items.map((raw) => host(this).itemView(raw)),
        page: answer.page,
        hasMore: answer.has_more,
        moreError: '',
      }
    },

    loadMore() {
      const d = this.data
      if (!d.hasMore || d.loadingMore || d.state !== 'ready') return Promise.resolve()
      const latest = host(this).latest()
      this.setData({ loadingMore: true, moreError: '' })
      return host(this)
        .fetchPage(d.page + 1)
        .then(
          (answer) => {
            if (!latest()) return
            /** @type {Record<string, boolean>} */
            const shown = {}
            this.data.items.forEach((item) => {
              shown[item.id] = true
            })
            const fresh = answer.items.filter((raw) => !shown[raw.id]).map((raw) => host(this).itemView(raw))
            this.setData({
              items: this.data.items.concat(fresh),
              page: answer.page,
              hasMore: answer.has_more,
              loadingMore: false,
            })
          },
          (err) => {
            if (!latest()) return
            this.setData({ loadingMore: false, moreError: (err && err.message) || '加载失败' })
          },
        )
    },

    onReachBottom() {
      this.loadMore()
    },

    onMore() {
      this.loadMore()
    },
  },
})
