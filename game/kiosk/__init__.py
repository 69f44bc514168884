"""The kiosk station: a director that a child cannot leave and that opens the therapist's
screens behind a PIN (``director``), the gestures that open the PIN pad and the pointer that
hides (``gestures``), the state the kiosk's scenes share (``state``), the PIN pad drawn on
screen (``pin_pad``), the kiosk program (``app``) and the supervisor that restarts it
(``supervisor``). The kiosk's scenes live in game/scenes/kiosk_*.py like every scene; this
package never imports them (the router does).
"""
