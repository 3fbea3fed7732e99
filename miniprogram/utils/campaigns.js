// The campaigns of an order's price (bill.campaigns): a members' day's cut per litre is already
// in the unit price and the 油款 (shown as saved); 首单立减 and 满额立减 come off the 油款.
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

module.exports = { campaignLines }
