"""Staff: accounts (`accounts`), passwords and login sessions (`passwords`), the handheld's PIN
(`pin_lock`), and who may act on which station (`access`)."""
