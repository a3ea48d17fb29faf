// The recovery link carries its token in the fragment (never sent to servers or logged);
// copy it into the form so the user only has to press the button.
const token = decodeURIComponent(location.hash.slice(1))
const input = document.getElementById('token')
if (token && input && !input.value) input.value = token
