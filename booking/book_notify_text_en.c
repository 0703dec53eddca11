/* Notifications in English. Plain English (GOV.UK style): short sentences,
 * "you", the date and place on their own lines so nothing has to be
 * inflected around them. Keep in step with book_notify_text_cy.c: the same
 * events, the same placeholders. */
#include "book_notify_text.h"

const BookNotifyText book_notify_text_en[] = {
    {"booked", "Your video visit is booked",
     "Your video visit is booked.\n\nPrison: ((establishment))\nDate and time: ((when))\n\n"
     "Sign in to see the details, or to change or cancel the visit: ((link))",
     "Your video visit at ((establishment)) is booked for ((when)). Sign in to see it: ((link))"},
    {"requested", "We have your request for a video visit",
     "We have your request for a video visit. Staff at the prison will check it, and we will "
     "tell you when they have decided.\n\nPrison: ((establishment))\nDate and time: ((when))\n\n"
     "Sign in to see your request: ((link))",
     "We have your request for a video visit at ((establishment)) on ((when)). We will tell you "
     "when staff have decided."},
    {"amended", "Your video visit has changed",
     "Your video visit has changed. Check the new details.\n\nPrison: ((establishment))\n"
     "Date and time: ((when))\n\nSign in to see the details: ((link))",
     "Your video visit at ((establishment)) has changed. It is now on ((when)). Sign in to see "
     "it: ((link))"},
    {"approved", "Your video visit is approved",
     "Your request for a video visit is approved. The visit is booked.\n\n"
     "Prison: ((establishment))\nDate and time: ((when))\n\n"
     "Sign in to see the details: ((link))",
     "Your video visit at ((establishment)) on ((when)) is approved and booked."},
    {"rejected", "Your request for a video visit was not approved",
     "Your request for a video visit was not approved.\n\nPrison: ((establishment))\n"
     "Date and time: ((when))\n\nSign in to see why, or to ask for another time: ((link))",
     "Your request for a video visit at ((establishment)) on ((when)) was not approved. Sign in "
     "to see why: ((link))"},
    {"cancelled", "Your video visit is cancelled",
     "Your video visit is cancelled.\n\nPrison: ((establishment))\nDate and time: ((when))\n\n"
     "Sign in to see why, or to book another visit: ((link))",
     "Your video visit at ((establishment)) on ((when)) is cancelled. Sign in to see why: "
     "((link))"},
    {"reminder", "Reminder: your video visit is soon",
     "This is a reminder of your video visit.\n\nPrison: ((establishment))\n"
     "Date and time: ((when))\n\nSign in a few minutes before it starts: ((link))",
     "Reminder: your video visit at ((establishment)) is on ((when)). Sign in a few minutes "
     "before: ((link))"},
    {0},
};

const char *const book_notify_footer_en =
    "This is an automatic message from Parlour video visits. Do not reply to it.";
