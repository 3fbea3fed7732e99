// The mini-program's entry: nothing to do at launch; pages log in through utils/api.js when the
// API asks for it, so a driver can look at stations before logging in.
App({
  globalData: {},
});
