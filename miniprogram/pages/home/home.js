// Placeholder home page (the real one lists the stations nearby).
Component({
  data: {
    hint: '正在查找附近的加油站…',
  },
  methods: {
    onPullDownRefresh() {
      wx.stopPullDownRefresh();
    },
  },
});
