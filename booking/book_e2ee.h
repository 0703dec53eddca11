/* Which calls are end-to-end encrypted (docs/media.md, "End-to-end
 * encryption"): legal and telemedicine calls, whose privilege must hold
 * against whoever runs the servers. Booking puts the answer in the join
 * token (claim e2ee), in the join-token answer and in the admission answer;
 * signalling and the browser each refuse a call that requires it and a
 * client that cannot (docs/contracts.md). A rule of the visit type, not a
 * per-establishment setting: nobody may switch it off. */
#ifndef PARLOUR_BOOK_E2EE_H
#define PARLOUR_BOOK_E2EE_H

/* "required" or "off" (static strings). */
const char *book_e2ee_policy(const char *visit_type);

#endif
