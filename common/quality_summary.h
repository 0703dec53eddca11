/* A call's quality in plain words (issue 19 part 4): from one participant's
 * quality samples (docs/client-web.md "The quality report"), how many
 * minutes the video was clear and how often the connection dropped. A pure
 * function: booking computes the family's summary with it from the stored
 * report, and signalling the same figures when it builds the report.
 *
 * A sample covers dur_s seconds of the call. It is clear when the picture
 * received was at least QUALITY_CLEAR_HEIGHT lines at QUALITY_CLEAR_FPS
 * frames a second, with no freeze and under QUALITY_CLEAR_LOSS_PERMILLE
 * packets lost; a sample that says nothing of the picture (height 0) is not
 * clear. A drop is a reconnection (the socket came back within the grace)
 * or an ICE restart (the network changed under the call). */
#ifndef PARLOUR_QUALITY_SUMMARY_H
#define PARLOUR_QUALITY_SUMMARY_H

#include <jansson.h>
#include <stddef.h>

#define QUALITY_CLEAR_HEIGHT 240
#define QUALITY_CLEAR_FPS 15
#define QUALITY_CLEAR_LOSS_PERMILLE 50

typedef struct {
  int dur_s;          /* seconds this sample covers, 1..600 */
  int height;         /* lines of the received picture, 0 unknown */
  int fps;            /* frames a second decoded */
  int freezes;        /* freezes seen during the sample */
  int loss_permille;  /* packets lost per thousand */
} QualitySample;

typedef struct {
  int minutes;        /* the time covered, rounded to the nearest minute */
  int clear_minutes;  /* of which clear, rounded, never more than minutes */
  int drops;          /* reconnections + ICE restarts */
} QualitySummary;

int quality_sample_clear(const QualitySample *s);
/* 0, or -1 for nonsense (NULL out, negative counts). */
int quality_summarize(const QualitySample *s, size_t n, int reconnections, int ice_restarts,
                      QualitySummary *out);
/* The same from a stored report object ({samples:[{d,h,fps,freezes,loss}],
 * reconnections, ice_restarts}); fields that are missing or out of range
 * count as unknown. 0 or -1 (not an object). */
int quality_summarize_json(json_t *report, QualitySummary *out);

#endif
