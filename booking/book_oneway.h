/* One-way video (issue 17 part 3, docs/booking.md "One-way video"): the
 * setting per prisoner and per visit, the call's effective direction, and
 * its way to live calls (update_policy {one_way_video} in the decision
 * feed, reason one_way_video_changed).
 *
 * Directions: "off", "prisoner_sees_no_video" (the visitors see and hear the
 * prisoner; the prisoner hears them but sees no video), and
 * "visitors_see_no_video" (the reverse). A visit's own setting, when it has
 * one, wins over the prisoner's; a visit cannot lift the prisoner's (only
 * the prisoner's own 'off' does), so a booking never weakens a
 * safeguarding decision made for the person. Only booking staff (and
 * admins) of the prisoner's establishment set either, always with a reason;
 * each change is audited in the establishment's chain. */
#ifndef PARLOUR_BOOK_ONEWAY_H
#define PARLOUR_BOOK_ONEWAY_H

#include <jansson.h>
#include <stdint.h>

#include "book_db.h"
#include "book_rules.h"

/* Pure. 1 when dir is one of the three directions. */
int book_oneway_valid(const char *dir);
/* Pure. The call's direction: the visit's (NULL or "off": none) else the
 * prisoner's (NULL: "off"). A static string, never NULL. */
const char *book_oneway_effective(const char *prisoner_dir, const char *visit_dir);
/* Pure. 0 when this actor may set dir with reason, else -1 with e filled
 * (400 invalid_field direction, 400 missing_field reason, 403 forbidden). */
int book_oneway_check_setter(const BookActor *a, const char *dir, const char *reason, BookError *e);

/* Sets the prisoner's direction ("off" lifts it): 404 when the prisoner is
 * not visible to a (another establishment's staff), 403 for other roles.
 * One transaction: the row, the audit row (one_way_video_set /
 * one_way_video_lifted {prisoner_id, direction, previous, reason}) and an
 * update_policy decision for each of the prisoner's booked or running
 * visits whose effective direction changed. 0 or -1 with e. */
int book_prisoner_set_one_way(BookDb *db, const BookActor *a, int64_t prisoner_id, const char *dir,
                              const char *reason, int64_t now, BookError *e);

/* The same for one visit (the caller checked it is visible to a): 409
 * visit_not_open when it is over, cancelled or terminated. Audit row
 * one_way_video_set / one_way_video_lifted on the visit. */
int book_visit_set_one_way(BookDb *db, const BookActor *a, const char *visit_id, const char *dir,
                           const char *reason, int64_t now, BookError *e);

/* Inside book_visit_create's transaction: stores a new visit's direction
 * (checked by book_oneway_check_setter before) and audits it. 0 or -1. */
int book_oneway_store_new_visit(BookDb *db, const char *actor, const char *visit_id,
                                const char *dir, const char *reason, int64_t now) BOOK_MUST_CHECK;

/* The call's effective direction for a visit (out: at least 32 bytes). 1,
 * 0 no such visit, -1 storage error. */
int book_oneway_of_visit(BookDb *db, const char *visit_id, char *out, size_t size) BOOK_MUST_CHECK;

/* "one_way_video": {"direction","source":"prisoner"|"visit"|null} on a
 * visit's view. 0 or -1. */
int book_oneway_view_visit(BookDb *db, const char *visit_id, json_t *o) BOOK_MUST_CHECK;

/* {"direction","reason","set_by","set_at"} of a prisoner; reason, set_by
 * and set_at only when with_reason (staff). NULL on a storage error. */
json_t *book_oneway_prisoner_json(BookDb *db, int64_t prisoner_id, int with_reason);

#endif
