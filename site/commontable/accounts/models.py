"""A person's account: pseudonymous, keyed by email address."""

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models, transaction
from django.utils import timezone

from commontable.core.personal_data_registry import registry as personal_data


class UserManager(BaseUserManager):
    """Creates accounts keyed by email address; no legal name is ever asked for."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        """Create an ordinary account."""
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        """Create a site administrator."""
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A participant's account.

    Accounts are pseudonymous: the display name is the only
    personal field, and it need not be a legal name. The email address is
    used to sign in and is never shown to other people.
    """

    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(
        max_length=60,
        help_text="The name other participants see. It does not need to be your legal name.",
    )
    is_staff = models.BooleanField(
        "staff status",
        default=False,
        help_text="Whether the person can sign in to the Wagtail admin.",
    )
    is_active = models.BooleanField(
        "active",
        default=True,
        help_text="Unselect this instead of deleting an account to suspend it.",
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        verbose_name = "user"
        verbose_name_plural = "users"
        ordering = ["display_name", "pk"]

    def __str__(self) -> str:
        return self.display_name or f"Participant {self.pk}"

    def get_full_name(self) -> str:
        """The display name: the site never holds a legal name."""
        return self.display_name

    def get_short_name(self) -> str:
        """The display name."""
        return self.display_name

    def requires_mfa(self) -> bool:
        """Whether this person must use an authenticator app before changing anything.

        Facilitators of any round table, and everyone who can reach the Wagtail
        admin (staff, superusers, groups given admin access), act for other
        people and can see what members keep private. A stolen password alone
        must not let anyone act as them.
        """
        return (
            self.is_superuser
            or self.is_staff
            or self.round_table_roles.facilitators().exists()
            or self.has_perm("wagtailadmin.access_admin")
        )

    def has_mfa(self) -> bool:
        """Whether this person has set up a TOTP authenticator."""
        return is_mfa_enabled(self, [Authenticator.Type.TOTP])

    def export_data(self) -> dict:
        """Everything the site keeps about this person, ready for JSON."""
        return personal_data.export(self)

    def delete_account(self) -> None:
        """Delete the account and the person's data; keep their contributions without them.

        Every registered kind of personal data is removed or anonymised, then
        the account itself goes, all in one transaction: a failure leaves
        everything as it was. Raises ``ActionRefused`` when a rule says the
        account may not be deleted yet (the site's only administrator).
        """
        with transaction.atomic():
            personal_data.check(self)
            personal_data.erase(self)
            self.delete()
