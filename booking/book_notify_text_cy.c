/* Notifications in Welsh (Cymraeg). Kept as plain as the English, with the
 * prison and the date on their own lines ("Carchar:", "Dyddiad ac amser:")
 * so that no mutation depends on what is put in. Keep in step with
 * book_notify_text_en.c: the same events, the same placeholders. Reviewed
 * as far as the authors could; a Welsh Language Standards review before
 * live use is listed in docs/booking.md. */
#include "book_notify_text.h"

const BookNotifyText book_notify_text_cy[] = {
    {"booked", "Mae eich ymweliad fideo wedi'i drefnu",
     "Mae eich ymweliad fideo wedi'i drefnu.\n\nCarchar: ((establishment))\n"
     "Dyddiad ac amser: ((when))\n\n"
     "Mewngofnodwch i weld y manylion, neu i newid neu ganslo'r ymweliad: ((link))",
     "Mae eich ymweliad fideo yn ((establishment)) wedi'i drefnu. Dyddiad ac amser: ((when)). "
     "Mewngofnodwch i'w weld: ((link))"},
    {"requested", "Rydym wedi cael eich cais am ymweliad fideo",
     "Rydym wedi cael eich cais am ymweliad fideo. Bydd staff y carchar yn ei wirio, a byddwn "
     "yn rhoi gwybod i chi pan fyddan nhw wedi penderfynu.\n\nCarchar: ((establishment))\n"
     "Dyddiad ac amser: ((when))\n\nMewngofnodwch i weld eich cais: ((link))",
     "Rydym wedi cael eich cais am ymweliad fideo yn ((establishment)). Dyddiad ac amser: "
     "((when)). Byddwn yn rhoi gwybod i chi pan fydd staff wedi penderfynu."},
    {"amended", "Mae eich ymweliad fideo wedi newid",
     "Mae eich ymweliad fideo wedi newid. Gwiriwch y manylion newydd.\n\n"
     "Carchar: ((establishment))\nDyddiad ac amser: ((when))\n\n"
     "Mewngofnodwch i weld y manylion: ((link))",
     "Mae eich ymweliad fideo yn ((establishment)) wedi newid. Dyddiad ac amser newydd: "
     "((when)). Mewngofnodwch i'w weld: ((link))"},
    {"approved", "Mae eich ymweliad fideo wedi'i gymeradwyo",
     "Mae eich cais am ymweliad fideo wedi'i gymeradwyo. Mae'r ymweliad wedi'i drefnu.\n\n"
     "Carchar: ((establishment))\nDyddiad ac amser: ((when))\n\n"
     "Mewngofnodwch i weld y manylion: ((link))",
     "Mae eich ymweliad fideo yn ((establishment)) wedi'i gymeradwyo a'i drefnu. Dyddiad ac "
     "amser: ((when))."},
    {"rejected", "Nid yw eich cais am ymweliad fideo wedi'i gymeradwyo",
     "Nid yw eich cais am ymweliad fideo wedi'i gymeradwyo.\n\nCarchar: ((establishment))\n"
     "Dyddiad ac amser: ((when))\n\n"
     "Mewngofnodwch i weld pam, neu i ofyn am amser arall: ((link))",
     "Nid yw eich cais am ymweliad fideo yn ((establishment)) wedi'i gymeradwyo. Dyddiad ac "
     "amser: ((when)). Mewngofnodwch i weld pam: ((link))"},
    {"cancelled", "Mae eich ymweliad fideo wedi'i ganslo",
     "Mae eich ymweliad fideo wedi'i ganslo.\n\nCarchar: ((establishment))\n"
     "Dyddiad ac amser: ((when))\n\n"
     "Mewngofnodwch i weld pam, neu i drefnu ymweliad arall: ((link))",
     "Mae eich ymweliad fideo yn ((establishment)) wedi'i ganslo. Dyddiad ac amser: ((when)). "
     "Mewngofnodwch i weld pam: ((link))"},
    {"reminder", "Nodyn atgoffa: mae eich ymweliad fideo cyn bo hir",
     "Dyma nodyn i'ch atgoffa am eich ymweliad fideo.\n\nCarchar: ((establishment))\n"
     "Dyddiad ac amser: ((when))\n\n"
     "Mewngofnodwch ychydig funudau cyn iddo ddechrau: ((link))",
     "Nodyn atgoffa: ymweliad fideo yn ((establishment)). Dyddiad ac amser: ((when)). "
     "Mewngofnodwch ychydig funudau cyn iddo ddechrau: ((link))"},
    {0},
};

const char *const book_notify_footer_cy =
    "Neges awtomatig gan wasanaeth ymweliadau fideo Parlour yw hon. Peidiwch ag ateb iddi.";
