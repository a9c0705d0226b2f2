/* erf(x) without libm. Near 0 the Taylor series keeps the relative accuracy the rational
 * approximation lacks there; above 0.5, 1 - poly(t) exp(-x^2) with t = 1 / (1 + p x)
 * (Abramowitz and Stegun 7.1.26). */
#include "../internal.h"

float mote_erff(float x) {
  const double two_over_sqrt_pi = 1.1283791670955126;
  const double a = x < 0.0f ? -(double)x : (double)x;
  double y;
  if (x != x) {
    return x;
  }
  if (a < 0.5) {
    const double a2 = a * a;
    double q = 1.0 / 9360.0;
    q = q * a2 - 1.0 / 1320.0;
    q = q * a2 + 1.0 / 216.0;
    q = q * a2 - 1.0 / 42.0;
    q = q * a2 + 1.0 / 10.0;
    q = q * a2 - 1.0 / 3.0;
    y = two_over_sqrt_pi * (a + a * a2 * q);
  } else if (a > 6.0) {
    y = 1.0;
  } else {
    const double t = 1.0 / (1.0 + 0.3275911 * a);
    double poly = 1.061405429;
    poly = poly * t - 1.453152027;
    poly = poly * t + 1.421413741;
    poly = poly * t - 0.284496736;
    poly = poly * t + 0.254829592;
    y = 1.0 - poly * t * (double)mote_expf((float)(-a * a));
  }
  return (float)(x < 0.0f ? -y : y);
}
