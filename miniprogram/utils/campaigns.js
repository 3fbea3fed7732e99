// The campaigns of an order's price (bill.campaigns): a members' day's cut per litre is already
// in the unit price and the 油款 (shown as saved, and per litre between the tier's cut and the unit
// price); 首单立减 and 满额立减 come off the 油款, shown where something comes off it.
const fmt = require('./format')

/** One line per campaign the price got: its name and what it saved or took off. */
function campaignLines(bill) {
  const found = (bill && bill.campaigns) || []
  return found.map((/** @type {any} */ c) => ({
    id: c.id,
    label: c.cut_per_litre_fen ? c.name + '（每升再降' + fmt.yuan(c.cut_per_litre_fen) + '）' : c.name,
    saving: (c.cut_per_litre_fen ? '省' : '-') + fmt.yuan(c.saving_fen),
  }))
}

/** The 油款 when a campaign on the value or a coupon comes off it (油款 - 活动 - 券 = 应付), else ''. */
function valueOff(bill) {
  return bill && bill.value_fen !== bill.pay_fen ? fmt.yuan(bill.value_fen) : ''
}

/** A members' day's cut per litre (pricing.campaign_cut_fen), '-¥0.30/升', or ''. */
function dayCut(pricing) {
  return pricing && pricing.campaign_cut_fen ? '-' + fmt.yuan(pricing.campaign_cut_fen) + '/升' : ''
}

module.exports = { campaignLines, valueOff, dayCut }
