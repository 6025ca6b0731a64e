# Policies, stored decisions and extended warranties arrive with the 三包 engine issue.
