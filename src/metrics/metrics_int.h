/* metrics: private sizes shared by the text formats and the HTTP server. */
#ifndef CST_METRICS_INT_H
#define CST_METRICS_INT_H

/* Room for the Prometheus text or the JSON object of every counter. */
#define METRICS_TEXT_MAX 16384

#endif
