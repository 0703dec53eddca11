/* The world the booking rules' unit tests book in: two establishments,
 * prisoners of every status, visitors of every age and standing, session
 * templates of every kind, a BAN, a CLOSED restriction, a non-association
 * and an excluded date. One copy for test_booking_rules.c (the rules) and
 * test_booking_faults.c (the same rules under storage faults), so both test
 * the same cases. NOW is a Monday: 2026-11-23T10:00:00Z. */
#ifndef PARLOUR_TEST_BOOKING_RULES_FIXTURE_H
#define PARLOUR_TEST_BOOKING_RULES_FIXTURE_H

#define NOW 1795428000LL /* 2026-11-23T10:00:00Z, a Monday */

static const char *const FIXTURE =
    "INSERT INTO establishments(id, name, min_days, max_days, max_visitors, max_adults, "
    " max_children, adult_age, remand_weekly_limit) VALUES ('TST','Test prison',2,28,3,2,2,18,1);"
    "INSERT INTO establishments(id, name) VALUES ('OTH','Other prison');"
    "INSERT INTO users(id, username, display_name, role, password_hash, establishment_id, "
    " created_at) VALUES"
    " (1,'fam1','Fam One','family','x',NULL,0),"
    " (2,'fam2','Fam Two','family','x',NULL,0),"
    " (3,'staff','Staff','booking_staff','x','TST',0),"
    " (4,'legal','Legal','legal_adviser','x',NULL,0),"
    " (5,'clin','Clin','clinician','x','TST',0),"
    " (6,'officer','Officer','probation_officer','x',NULL,0),"
    " (7,'legal2','Legal Two','legal_adviser','x',NULL,0),"
    " (8,'pris1','P One','prisoner','x',NULL,0),"
    " (9,'monitor','Mon','monitor','x','TST',0),"
    " (10,'officer2','Officer Two','probation_officer','x',NULL,0),"
    " (11,'staffoth','Staff Oth','booking_staff','x','OTH',0),"
    " (12,'probo','Probo','probationer','x',NULL,0);"
    "INSERT INTO prisoners(id, prison_number, name, establishment_id, status, vo_balance, "
    " user_id) VALUES"
    " (1,'A1234BC','P One','TST','convicted',2,8),"
    " (2,'B2345CD','P Two','TST','remand',0,NULL),"
    " (3,'C3456DE','P Three','TST','convicted',0,NULL),"
    " (4,'D4567EF','P Four','TST','convicted',5,NULL),"
    " (5,'E5678FG','P Five','TST','convicted',5,NULL),"
    " (6,'F6789GH','P Six','OTH','convicted',5,NULL);"
    "INSERT INTO prisoner_restrictions(prisoner_id, type, start_date) VALUES (4,'CLOSED',"
    " '2026-01-01');"
    "INSERT INTO non_associations VALUES (1,5);"
    "INSERT INTO probationers(id, crn, name, officer_user_id, user_id) VALUES"
    " (1,'X123456','Probo',6,12),(2,'X654321','Other case',10,NULL);"
    "INSERT INTO visitors(id, name, date_of_birth, user_id, legal_adviser_verified) VALUES"
    " (1,'Adult One','1980-05-01',1,0),"
    " (2,'Child One','2018-03-01',1,0),"
    " (3,'No Dob',NULL,1,0),"
    " (4,'Banned Forever','1975-01-01',2,0),"
    " (5,'Banned Till Dec','1976-01-01',2,0),"
    " (6,'Legal Verified','1970-01-01',4,1),"
    " (7,'Legal Unverified','1971-01-01',7,0),"
    " (8,'Unapproved','1982-01-01',1,0),"
    " (9,'Closed Visitor','1983-01-01',1,0),"
    " (10,'Adult Two','1981-01-01',1,0),"
    " (11,'Adult Three','1984-01-01',1,0),"
    " (12,'Child Two','2019-01-01',1,0),"
    " (13,'Child Three','2020-01-01',1,0),"
    " (14,'Turns 18','2008-12-01',1,0);"
    "INSERT INTO contacts(prisoner_id, visitor_id, contact_type, relationship, approved) VALUES"
    " (1,1,'social','Wife',1),(1,2,'social','Daughter',1),(1,3,'social','Son',1),"
    " (1,4,'social','Brother',1),(1,5,'social','Cousin',1),(1,6,'official','Solicitor',1),"
    " (1,7,'official','Solicitor',1),(1,8,'social','Friend',0),(1,9,'social','Friend',1),"
    " (1,10,'social','Father',1),(1,11,'social','Mother',1),(1,12,'social','Son',1),"
    " (1,13,'social','Son',1),(1,14,'social','Niece',1),"
    " (2,1,'social','Sister',1),(3,1,'social','Sister',1),(4,1,'social','Sister',1),"
    " (5,1,'social','Sister',1),(5,6,'official','Solicitor',1),(6,1,'social','Sister',1);"
    "INSERT INTO contact_restrictions(contact_id, type, start_date, expiry_date) VALUES"
    " ((SELECT id FROM contacts WHERE prisoner_id=1 AND visitor_id=4),'BAN','2026-01-01',NULL),"
    " ((SELECT id FROM contacts WHERE prisoner_id=1 AND visitor_id=5),'BAN','2026-11-01',"
    "  '2026-12-01'),"
    " ((SELECT id FROM contacts WHERE prisoner_id=1 AND visitor_id=9),'CLOSED','2026-01-01',NULL);"
    /* 1 social Wed 14-15 open 1 closed 1; 2 legal Wed 10-11; 3 telemedicine Thu 9-9:30;
     * 4 social Thu 14-15 open 5; 5 social Wed 16-17 until 2026-12-01; 6 social Thu 8-10
     * (too long); 7 social at OTH Wed */
    "INSERT INTO session_templates(id, establishment_id, visit_type, day_of_week, start_time, "
    " end_time, open_capacity, closed_capacity, valid_from, valid_to) VALUES"
    " (1,'TST','social',3,'14:00','15:00',1,1,'2026-01-01',NULL),"
    " (2,'TST','legal',3,'10:00','11:00',2,0,'2026-01-01',NULL),"
    " (3,'TST','telemedicine',4,'09:00','09:30',2,0,'2026-01-01',NULL),"
    " (4,'TST','social',4,'14:00','15:00',5,0,'2026-01-01',NULL),"
    " (5,'TST','social',3,'16:00','17:00',3,0,'2026-01-01','2026-12-01'),"
    " (6,'TST','social',4,'08:00','10:00',3,0,'2026-01-01',NULL),"
    " (7,'OTH','social',3,'14:00','15:00',3,0,'2026-01-01',NULL);"
    "INSERT INTO excluded_dates(establishment_id, template_id, date) VALUES"
    " ('TST',NULL,'2026-12-09');";

#endif
